"""The game's routes: fighters, episodes and fight frames in (``/api/...``)."""
