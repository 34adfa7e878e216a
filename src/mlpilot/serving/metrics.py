"""Prometheus metrics of one service, in a registry of its own (not the process-wide default)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["ServiceMetrics", "CONTENT_TYPE"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("mlpilot_requests_total", "Prediction requests answered, by outcome.",
                                ["model", "version", "route", "status"], registry=self.registry)
        self.latency = Histogram("mlpilot_request_latency_seconds", "Time to answer a prediction request.",
                                 ["model", "version", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.errors = Counter("mlpilot_request_errors_total", "Requests refused or failed, by kind of error.",
                              ["model", "version", "kind"], registry=self.registry)
        self.rows = Counter("mlpilot_rows_predicted_total", "Rows predicted.", ["model", "version"],
                            registry=self.registry)
        self.unseen = Counter("mlpilot_unseen_categories_total",
                              "Values of a categorical column that the model never saw in training (accepted).",
                              ["model", "column"], registry=self.registry)
        self.served = Gauge("mlpilot_model_version", "The version each model name is served at.", ["model"],
                            registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
