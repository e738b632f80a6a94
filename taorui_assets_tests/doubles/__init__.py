"""Test doubles of the external services, all backed by SimMarket.

* ``qmt_fake`` / ``qmt_fake_data``: a fake ``xtquant`` (``xtdata`` + ``xtdatacenter``) whose
  signatures are checked against the real package (test_qmt_conformance.py).
* ``jqdata_server*``: a local JQData thrift server that the unmodified ``jqdatasdk`` talks to.

They live with the tests: no module under ``taorui_assets/`` may import them
(test_no_doubles_in_product.py checks it).
"""
