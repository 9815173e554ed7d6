"""How long the demo generator takes: world build, then two years of extracts.

.venv/bin/python benchmarks/demo_generation.py [seed]
"""

import sys
import tempfile
import time
from pathlib import Path

from mash_demo.generate import write_demo_extracts
from mash_demo.world import build_world


def main(seed: int) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    build_world(seed)
    print(
        f"world (register, habits, calibration): {time.perf_counter() - wall:.1f}s wall, "
        f"{time.process_time() - cpu:.1f}s CPU"
    )
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu = time.perf_counter(), time.process_time()
        summary = write_demo_extracts(Path(folder) / "landing", Path(folder) / "truth", seed=seed)
        print(
            f"Sep 2017 - Aug 2019 at full scale: {time.perf_counter() - wall:.1f}s wall, "
            f"{time.process_time() - cpu:.1f}s CPU, {summary['contacts']} contacts, "
            f"{summary['calls']} calls, {len(summary['files'])} files"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20190901)
