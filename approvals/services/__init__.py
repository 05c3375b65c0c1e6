"""Writes of the approvals app: the catalogue and the case workflow."""

from approvals.services.catalogue import implementation_publish, implementation_retire, item_publish, item_retire

__all__ = ["implementation_publish", "implementation_retire", "item_publish", "item_retire"]
