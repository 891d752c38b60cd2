"""The picture scorer: an internal HTTP service that scores a JPEG picture by its resolution."""
