# GAN Layer Atlas: the dashboard on the demo cache, built at image build time.
#   docker build -t gan-atlas .            (CPU torch)
#   docker run -p 8050:8050 gan-atlas      -> http://localhost:8050
# Serve your own caches: docker run -p 8050:8050 -v "$PWD/runs/mine:/app/runs/mine:ro" gan-atlas
# GPU variant for `--profile full`: see README "Docker" (build arg TORCH_INDEX_URL).
FROM python:3.11-slim

# Where torch comes from: the CPU wheel index by default. A CUDA build:
#   --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_EXTRA_INDEX_URL=${TORCH_INDEX_URL}
ARG PIP_FIND_LINKS=
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NUMBA_CACHE_DIR=/tmp/numba-cache \
    GAN_ATLAS_CACHE=/app/runs \
    CACHE_DIR=/tmp/gan-atlas-figures \
    HOST=0.0.0.0 \
    PORT=8050

RUN useradd --create-home --uid 10001 atlas
WORKDIR /app

COPY requirements.txt .
RUN PIP_EXTRA_INDEX_URL="${PIP_EXTRA_INDEX_URL}" PIP_FIND_LINKS="${PIP_FIND_LINKS}" \
    pip install -r requirements.txt

COPY gan_core ./gan_core
COPY precompute ./precompute
COPY data ./data
COPY models ./models

# The demo cache from the shipped weights, so `docker run` serves at once. Before the app's
# files are copied, so changing the app does not rebuild the cache layer.
RUN python -m precompute --profile demo --out /app/runs/demo \
    && chown -R atlas:atlas /app/runs \
    && rm -rf /tmp/numba-cache

COPY app ./app
COPY assets ./assets

USER atlas
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "--bind", "0.0.0.0:8050", "--workers", "3", "--threads", "2", "--timeout", "120", "app.wsgi:server"]
