# syntax=docker/dockerfile:1
# CNN Lab's dashboard in a container: runtime packages only, from the hashed app lock,
# installed by the same script as `make run` and CI (scripts/install.sh).
#
#   docker build -t cnnlab .                                   # CPU (default)
#   docker build --build-arg VARIANT=cuda -t cnnlab:cuda .     # + NVIDIA CUDA libraries
#   docker run -p 8501:8501 -v cnnlab-home:/data cnnlab
#   docker run --gpus all -p 8501:8501 -v cnnlab-home:/data cnnlab:cuda
#
# Runs and models live in the volume at CNNLAB_HOME (/data). For PostgreSQL give
# -e CNNLAB_DB_URL=postgresql+psycopg://USER:PASSWORD@HOST/DB (the driver is installed).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

# cpu: requirements/app.txt (TensorFlow, which also runs on the CPU); cuda: app-cuda.txt
# (the same + NVIDIA's CUDA and cuDNN wheels; the host needs only the NVIDIA driver and
# the NVIDIA Container Toolkit).
ARG VARIANT=cpu
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    CNNLAB_HOME=/data

# One unprivileged user, uid 1000 (what Hugging Face Spaces runs as).
RUN useradd --create-home --uid 1000 cnnlab \
    && mkdir -p /data && chown cnnlab:cnnlab /data

WORKDIR /app
# The locks and the install script first: this layer (the big one) is rebuilt only when
# they change, not on every code edit.
COPY requirements/ requirements/
COPY scripts/install.sh scripts/install.sh
RUN case "$VARIANT" in \
      cpu) echo app > /opt/lock ;; \
      cuda) echo app-cuda > /opt/lock ;; \
      *) echo "VARIANT is cpu or cuda, not $VARIANT" >&2; exit 2 ;; \
    esac \
    && python -m venv /opt/venv \
    && PYTHON=/opt/venv/bin/python PROJECT=none scripts/install.sh "$(cat /opt/lock)"

# CNN Lab itself (a regular, non-editable install; --no-deps: all it needs is above).
COPY pyproject.toml README.md ./
COPY cnnlab/ cnnlab/
COPY dashboard/ dashboard/
RUN PYTHON=/opt/venv/bin/python PROJECT=copy scripts/install.sh "$(cat /opt/lock)" \
    && rm -rf /app/build /app/*.egg-info

USER cnnlab
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request as r; r.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)" || exit 1
# `cnnlab app` is the Streamlit server (one process), so `docker stop` reaches it.
CMD ["cnnlab", "app", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
