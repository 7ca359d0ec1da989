"""HTML blueprints: thin views that parse the request, call one service and render."""
