"""Views of the approvals app, one module per topic; ``approvals.urls`` routes to them."""
