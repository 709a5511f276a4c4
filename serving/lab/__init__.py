"""The lab's API (``/api/v1/...``) and its live WebSocket (``/ws``)."""
