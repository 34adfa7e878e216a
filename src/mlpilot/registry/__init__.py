"""The model registry: named, versioned models with aliases, metrics and lineage."""

from mlpilot.registry.store import ALIASES, ModelVersion, Registry, parse_reference

__all__ = ["ALIASES", "ModelVersion", "Registry", "parse_reference"]
