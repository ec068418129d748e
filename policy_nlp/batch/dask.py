"""Run batch processing on a ``dask.distributed`` cluster.

The per-document function is the same as for local runs
(:func:`policy_nlp.batch.process_document`); each Dask worker loads the pipeline once.
Reading inputs and writing the output folder stay on the machine that calls
:func:`process_on_dask`, so the output has the same exactly-once and resume guarantees.

    from policy_nlp.dask import process_on_dask
    process_on_dask(["archive.zip"], "out", scheduler="tcp://host:8786")

or ``policy-nlp process archive.zip -o out --scheduler tcp://host:8786``. Workers need
policy_nlp installed and the pipeline at the same path (or pass ``model=``).
"""

from __future__ import annotations

from typing import Any

from .run import RunSummary, process


def process_on_dask(inputs, output, *, scheduler: Any = None, max_in_flight_per_worker: int = 4, **kwargs) -> RunSummary:
    """:func:`policy_nlp.batch.process` with tasks run by Dask workers.

    ``scheduler``: a scheduler address (``tcp://host:8786``), an existing
    ``distributed.Client``, or None for a ``LocalCluster`` on this machine.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("Dask processing needs dask.distributed: pip install 'dask[distributed]'") from None
    kwargs.pop("n_process", None)
    own_client = not isinstance(scheduler, Client)
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    elif own_client:
        client = Client(scheduler)
    else:
        client = scheduler
    try:
        executor = client.get_executor(pure=False)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        return process(inputs, output, executor=executor,
                       max_in_flight_external=max_in_flight_per_worker * workers, **kwargs)
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
