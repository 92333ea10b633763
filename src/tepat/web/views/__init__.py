"""Views of the web app, one module per page group; plain functions that fetch objects only
through the access helpers of `tepat.web.access`."""
