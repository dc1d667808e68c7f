"""A stateful mock of the APIMart Midjourney task service.

`create_app(MockConfig(...))` builds one isolated mock (a Flask app); `apimart-mock serve` serves it
with granian, all workers sharing one SQLite store.
"""

from .config import MockConfig, ViewShape
from .http.app import create_app

__all__ = ["MockConfig", "ViewShape", "create_app"]
