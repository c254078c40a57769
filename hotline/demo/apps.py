from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo city (seed.py) and the commands that load it: ``seed_demo``, and ``serve``
    (``make run``: migrate, load the demo into an empty database, start web and worker). No models."""

    name = "hotline.demo"
    label = "demo"
    verbose_name = "Demo"
