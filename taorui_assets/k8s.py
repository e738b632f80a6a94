"""The code location on Kubernetes (deploy/helm): the same definitions, each step in its own pod.

``dagster api grpc -m taorui_assets.k8s`` in the image of deploy/Dockerfile. The K8sRunLauncher
(Helm values) starts one pod per run; this executor then starts one pod per step, so a backfill's
steps spread over the cluster while the `market_source` pool still caps the fetching steps.
"""
import dagster as dg
from dagster_k8s import k8s_job_executor
from dagster_shared.record import copy

from taorui_assets import definitions as local  # the module: one @dg.definitions per module scope


@dg.definitions
def defs() -> dg.Definitions:
    # The local definitions carry the one-machine executor (defs/executor.py); merging would
    # refuse two executors, so this one replaces it. max_concurrent: steps of one run in flight;
    # the pool, not this, bounds the source's connections.
    return copy(local.defs(), executor=k8s_job_executor.configured({"max_concurrent": 8}))
