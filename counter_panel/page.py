"""Page routes of `counter_panel/` (placeholder until the page lands).

ENGINEER WORKING ON THIS PACKAGE: read /work/main/CONTRIBUTING.md FIRST. It lists
the hub's interfaces, the test fixtures in tests/conftest.py, which files you may
edit (only your package, tests/counter_panel/, docs/counter_panel.md) and how to commit (only your
own paths: `git commit -m "..." -- <paths>`; never `git add -A`).
"""

from __future__ import annotations

routes: list = []
