# Worker (and launcher) image for running the Manim dataset job on Dataflow.
#
# The base is the Beam SDK image of exactly the version setup.py pins
# (BEAM_VERSION; tests/test_cloud.py checks they agree): the worker harness in
# the image and the SDK that builds the job must match.
#
#   docker build --target worker   -t REGION-docker.pkg.dev/PROJECT/REPO/manim-worker:TAG .
#   docker build --target launcher -t REGION-docker.pkg.dev/PROJECT/REPO/manim-launcher:TAG .
#
# worker:   what Dataflow runs (--sdk_container_image); Beam's boot entrypoint is kept.
# launcher: worker + the DVC extras and git, for the post-step that runs after the job.
FROM apache/beam_python3.11_sdk:2.77.0 AS base

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Scene checks (--check_scenes): bubblewrap is the sandbox; Cairo, Pango, pkg-config
# and ffmpeg serve ManimCE; TeX Live (standalone.cls is in texlive-latex-extra) and
# dvisvgm typeset Tex/MathTex. The same list as .ci/run (tests/test_scene_install.py).
# Debian's stable archive pins these; versions are not pinned one by one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        bubblewrap \
        dvisvgm \
        ffmpeg \
        libcairo2-dev \
        libpango1.0-dev \
        libseccomp2 \
        pkg-config \
        texlive-fonts-recommended \
        texlive-latex-base \
        texlive-latex-extra \
        texlive-latex-recommended \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /pipeline
COPY setup.py pyproject.toml ./
COPY beam_pipeline/ ./beam_pipeline/

# The package and its pinned Beam must agree with what the image already has;
# the [scenes] extra brings the pinned ManimCE that runs scenes on the workers.
RUN pip install --no-cache-dir . \
    && pip install --no-cache-dir "./[scenes]" \
    && pip check

# Matplotlib scans every system font (TeX Live brings many) into a cache the first
# time a process draws text; the dataset plots would pay that on each new worker.
# Build it once, here, in a folder every process of the image reads.
ENV MPLCONFIGDIR=/opt/matplotlib
RUN python -c "import matplotlib.font_manager as fm; fm.findfont('DejaVu Sans')" \
    && test -n "$(ls /opt/matplotlib/fontlist-*.json)"


FROM base AS launcher

# The DVC post-step runs where the job is launched, never on workers.
RUN pip install --no-cache-dir "./[dvc]" \
    && pip check \
    && git --version

ENV DVC_NO_ANALYTICS=1
ENTRYPOINT ["python", "-m", "beam_pipeline"]


# Last stage, so a plain `docker build .` gives the worker image.
FROM base AS worker
