"""The RQ worker process: `tiaojie worker` (and the one `tiaojie serve` starts).

Jobs run in the worker process itself (rq's SimpleWorker), not in a work horse forked per
job: our jobs are short database steps and WeChat calls with their own timeouts, and forking
a ~190 MB process (jieba, the gazetteer) cost ~60 ms of CPU per job — more CPU than both web
workers together in `tiaojie bench` (docs/benchmarks.md). It also keeps the database engine
of this process from crossing a fork (pitfalls.md). A job's timeout is still enforced (SIGALRM
in this process); a job that crashes the process is retried after the restart like any
abandoned job, and the re-enqueue at start-up delivers what was left queued.
"""

from __future__ import annotations

import gc
import logging

from rq import SimpleWorker

import nlp
from bot import logs, tasks
from bot import runtime as runtimes
from bot.config import Settings
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Work the queue (with RQ's scheduler, for timers) until told to stop."""
    logs.setup(settings)  # RQ's own loggers then use it too (one masked handler)
    nlp.warm_up()  # before the first job (the deadline handlers classify nothing, but intake does)
    gc.freeze()  # the NLP tables stay for good: no full collection walks them (as bot/wsgi.py)
    runtime = runtimes.install(Runtime(settings))
    requeued = tasks.requeue_pending(runtime)
    if requeued:
        log.info("re-enqueued %d pending notifications", requeued)
    worker = SimpleWorker([runtime.queue], connection=runtime.redis)
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
