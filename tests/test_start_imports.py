"""What the start loads: the heavy libraries a pack needs only for some requests load on their first use.

Each of these costs the start tens of milliseconds (httpx drags in its CLI: rich, click, pygments); all five
built-in seeds must be serving in well under two seconds. Checked in a fresh interpreter, since the test
process has long imported them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DEFERRED = ("httpx", "rich", "sqlglot", "pglast", "dulwich", "yaml", "dns", "unidiff", "regex", "semantic_version",
            "psycopg", "pymysql", "botocore", "awscrt", "icalendar")

PROBE = """
import json, sys, tempfile
from pathlib import Path
from twinstack.config import Settings
from twinstack.runtime import Runtime
import twinstack.app
runtime = Runtime.build(Settings(port=0, data_dir=Path(tempfile.mkdtemp()), dns_port=0, speed="instant"))
print(json.dumps({"twins": sorted(runtime.twins), "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_building_every_built_in_twin_loads_none_of_the_libraries_kept_for_first_use(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["twins"] == ["bluelobster", "g4fagent", "odin", "polykomos", "wayscloud"]
    loaded = [name for name in DEFERRED if name in seen["modules"]]
    assert loaded == [], f"loaded with the packs instead of on first use: {loaded}"
