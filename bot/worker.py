"""The RQ worker process: `tiaojie worker` (and the one `tiaojie serve` starts)."""

from __future__ import annotations

import logging

from rq import Worker

import nlp
from bot import logs, tasks
from bot import runtime as runtimes
from bot.config import Settings
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Work the queue (with RQ's scheduler, for timers) until told to stop."""
    logs.setup(settings)  # RQ's own loggers then use it too (one masked handler)
    nlp.warm_up()  # before RQ forks a work horse per job, so each does not load it again
    runtime = runtimes.install(Runtime(settings))
    requeued = tasks.requeue_pending(runtime)
    if requeued:
        log.info("re-enqueued %d pending notifications", requeued)
    worker = Worker([runtime.queue], connection=runtime.redis)
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
