"""The seed systems' API dialects, each under /api/compat/<dialect>/<project-slug>: a seed
system's own client works unchanged once that URL is its API base. Every dialect reuses
/api/v1's services, checks and limits; only names and shapes differ.
"""

from flask import Flask


def init_app(app: Flask, api) -> None:
    """Register the dialects' blueprints (in the OpenAPI document too) and vigility's alias."""
    from app.compat import vigility
    from app.compat.analytics_module import module_bp
    from app.compat.insightloop import insightloop_bp
    from app.compat.realtime import realtime_bp

    for blueprint in (insightloop_bp, realtime_bp, module_bp, vigility.vigility_bp):
        api.register_blueprint(blueprint)
    vigility.init_app(app)
