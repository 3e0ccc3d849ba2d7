"""Live events from a message bus: ``remit worker`` (docs/bus.md)."""

from remit.bus.worker import BusSettings, BusStats, BusWorker, run_worker

__all__ = ["BusSettings", "BusStats", "BusWorker", "run_worker"]
