"""SourceRouter: ask the sources in priority order; one partition comes from ONE source.

For each partition the router asks the first source whose circuit is closed. An error, a
timeout, an empty answer where data must exist, or an answer with bad rows moves the
WHOLE partition to the next source, so a partition never mixes sources. The outcome of
every attempt is kept for the logs, the materialization metadata and the quarantine.

A source is built on first use (``LazySource``), inside its attempt: a source that cannot
even be constructed (the client library does not import, a credential is missing) is that
source's failure like any other — the partition falls back, the breaker counts it, and a
warning says why. The circuit breaker (``breaker.CircuitBreaker``) stops hammering a dead
source.

The per-attempt timeout here is the platform's ONE timeout on source calls. A timed-out
call cannot be killed in Python: its worker thread is abandoned and finishes (or hangs) in
the background while the next source answers.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence, Union

import pandas as pd

from taorui_assets.lib.sources.base import EmptyAnswerError, MarketDataSource, SourceError
from taorui_assets.lib.sources.breaker import CircuitBreaker
from taorui_assets.lib.validation import Judgement, Reference, judge

log_ = logging.getLogger(__name__)


class LazySource:
    """A source known by name now and built when first asked for data."""

    def __init__(self, name: str, build: Callable[[], MarketDataSource]):
        self.name = name
        self._build = build
        self._source: Optional[MarketDataSource] = None

    def get(self) -> MarketDataSource:
        if self._source is None:
            try:
                self._source = self._build()
            except Exception as exc:  # the message names the source; the cause is the client's
                why = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
                raise SourceError(f"{self.name} could not be built: {why}") from None
        return self._source

    def __repr__(self) -> str:
        return f"LazySource({self.name!r}, built={self._source is not None})"


@dataclass
class Attempt:
    source: str
    outcome: str  # ok | error | timeout | empty | invalid | skipped
    detail: str = ""
    seconds: float = 0.0
    frame: Optional[pd.DataFrame] = field(default=None, repr=False)


@dataclass
class FetchResult:
    frame: Optional[pd.DataFrame]
    source: Optional[str]
    attempts: list[Attempt] = field(default_factory=list)
    rejected: list[tuple[str, Judgement]] = field(default_factory=list)
    rows: int = 0  # rows delivered (``fetch_chunks``: the frame is not kept)

    @property
    def fell_back(self) -> bool:
        return bool(self.source) and self.attempts[0].source != self.source

    def describe(self) -> str:
        return "; ".join(f"{a.source}: {a.outcome} in {a.seconds:.1f}s{' (' + a.detail + ')' if a.detail else ''}"
                         for a in self.attempts)


def _reject(attempt: Attempt, verdict: Judgement, result: FetchResult, where: str = "") -> Attempt:
    """The source answered with bad rows (``where``: in which part): kept for the quarantine."""
    attempt.outcome = "invalid"
    attempt.detail = f"{len(verdict.bad_rows)} bad rows{where}" + (
        f", {len(verdict.problems)} frame problems" if verdict.problems else "")
    result.rejected.append((attempt.source, verdict))
    return attempt


class AllSourcesFailed(SourceError):
    def __init__(self, message: str, result: FetchResult):
        super().__init__(message)
        self.result = result


class SourceRouter:
    def __init__(self, sources: Sequence[Union[MarketDataSource, LazySource]],
                 timeouts_s: Sequence[Optional[float]] = (), breaker: Optional[CircuitBreaker] = None,
                 log=None):
        if not sources:
            raise ValueError("a SourceRouter needs at least one source")
        self.sources = [s if isinstance(s, LazySource) else LazySource(s.name, lambda s=s: s) for s in sources]
        self.timeouts = list(timeouts_s) + [None] * (len(self.sources) - len(timeouts_s))
        self.breaker = breaker or CircuitBreaker()
        self.log = log or log_

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]

    def fetch(self, dataset: str, call: Callable[[MarketDataSource], pd.DataFrame], *,
              allow_empty: bool = False, known_codes: Optional[set[str]] = None,
              reference: Optional[Reference] = None) -> FetchResult:
        result = FetchResult(frame=None, source=None)
        for i, source in enumerate(self.sources):
            if self._skipped(dataset, i, result):
                continue
            attempt = self.attempt(i, call)
            result.attempts.append(attempt)
            if attempt.outcome == "ok":
                frame = attempt.frame
                if frame.empty and not allow_empty:
                    attempt.outcome, attempt.detail = "empty", "0 rows where data must exist"
                else:
                    verdict = judge(dataset, frame, known_codes, reference)
                    if verdict.ok:
                        self.breaker.success(source.name)
                        result.frame, result.source = verdict.valid, source.name
                        break
                    _reject(attempt, verdict, result)
            self._moved_on(dataset, i, attempt)
        for a in result.attempts:
            a.frame = None  # the chosen frame lives on in result.frame
        if result.frame is None:
            raise AllSourcesFailed(f"{dataset}: no source delivered a valid partition ({result.describe()})", result)
        return result

    def fetch_chunks(self, dataset: str, chunks: Sequence[Sequence[str]],
                     call: Callable[[MarketDataSource, Sequence[str]], pd.DataFrame],
                     write: Callable[[int, str, pd.DataFrame], None], *, allow_empty: bool = False,
                     known_codes: Optional[set[str]] = None, reference: Optional[Reference] = None) -> FetchResult:
        """``fetch`` for a partition too large to hold whole: asked, judged and handed to
        ``write(chunk index, source, valid frame)`` one code chunk at a time, so the caller can
        store a chunk while the next is fetched. Still ONE source per partition: a chunk that a
        source fails or answers badly moves the WHOLE partition to the next source, which starts
        again from the first chunk (``write`` replaces what the previous source wrote). Errors of
        ``write`` are the caller's and propagate."""
        result = FetchResult(frame=None, source=None)
        for i, source in enumerate(self.sources):
            if self._skipped(dataset, i, result):
                continue
            rows, seconds, failed = 0, 0.0, None
            for k, codes in enumerate(chunks):
                attempt = self.attempt(i, lambda src, codes=codes: call(src, codes))
                seconds += attempt.seconds
                if attempt.outcome != "ok":
                    failed = attempt
                    break
                frame, attempt.frame = attempt.frame, None
                wanted = set(codes)
                ref = reference if reference is None or reference.traded_codes is None else \
                    dataclasses.replace(reference, traded_codes=reference.traded_codes & wanted)
                verdict = judge(dataset, frame, wanted & known_codes if known_codes is not None else None, ref)
                if not verdict.ok:
                    failed = _reject(attempt, verdict, result, f" in chunk {k + 1}/{len(chunks)}")
                    break
                write(k, source.name, verdict.valid)
                rows += len(verdict.valid)
            if failed is None and rows == 0 and not allow_empty:
                failed = Attempt(source.name, "empty", "0 rows where data must exist")
            if failed is None:
                result.attempts.append(Attempt(source.name, "ok", f"{len(chunks)} chunks", round(seconds, 3)))
                self.breaker.success(source.name)
                result.source, result.rows = source.name, rows
                return result
            failed.seconds = round(seconds, 3)
            result.attempts.append(failed)
            self._moved_on(dataset, i, failed)
        raise AllSourcesFailed(f"{dataset}: no source delivered a valid partition ({result.describe()})", result)

    def _moved_on(self, dataset: str, index: int, attempt: Attempt) -> None:
        """Source ``index`` did not deliver: its breaker counts a failure of the source (not bad
        rows: that source is up), and the log says which source is asked next."""
        if attempt.outcome in ("error", "timeout", "empty"):
            self.breaker.failure(attempt.source, attempt.detail)
        nxt = "" if index == len(self.sources) - 1 else \
            f"; falling back to {self.sources[index + 1].name} for the whole partition"
        self.log.warning(f"{dataset}: {attempt.source} {attempt.outcome}: {attempt.detail}{nxt}")

    def _skipped(self, dataset: str, index: int, result: FetchResult) -> bool:
        """A source whose circuit is open is skipped (recorded), unless it is the last resort."""
        source = self.sources[index]
        if self.breaker.allow(source.name) or index == len(self.sources) - 1:
            return False
        result.attempts.append(Attempt(source.name, "skipped", "circuit open after repeated failures"))
        self.log.warning(f"{dataset}: skipping {source.name}, its circuit is open")
        return True

    def attempt(self, index: int, call: Callable[[MarketDataSource], pd.DataFrame]) -> Attempt:
        """Build (if needed) and ask source ``index`` once, within its timeout; never raises."""
        source, timeout = self.sources[index], self.timeouts[index]
        t0 = time.monotonic()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"source-{source.name}")
        future = pool.submit(lambda: call(source.get()))
        try:
            attempt = Attempt(source.name, "ok", frame=future.result(timeout=timeout))
        except concurrent.futures.TimeoutError:
            attempt = Attempt(source.name, "timeout", f"no answer within {timeout:g}s")
        except EmptyAnswerError as exc:
            attempt = Attempt(source.name, "empty", str(exc)[:300])
        except Exception as exc:  # any failure of a source moves the partition on
            attempt = Attempt(source.name, "error", f"{type(exc).__name__}: {str(exc)[:300]}")
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        attempt.seconds = round(time.monotonic() - t0, 3)
        return attempt
