#!/usr/bin/env bash
# Submit the Manim dataset job to Google Cloud Dataflow.
#
# Required environment:
#   PROJECT   Google Cloud project id
#   REGION    Dataflow region, e.g. us-central1
#   BUCKET    GCS bucket name (no gs://) for temp, staging, output and the DVC remote
# Optional environment:
#   GITHUB_TOKEN_SECRET  Secret Manager secret holding the GitHub token(s): a name
#                        (github-token), or projects/P/secrets/S[/versions/V]
#   QUERY                search query (default: manim)
#   MAX_WORKERS          autoscaling cap (default: 4; the crawl is bound by GitHub's rate limits)
#   MACHINE_TYPE         worker machine type (default: n2-standard-2)
#   VCPUS                vCPUs per worker (default: read from MACHINE_TYPE, else 2); with
#                        MAX_WORKERS it sets each SDK process's share of GitHub's
#                        secondary limits (README, "Concurrency budget")
#   NETWORK, SUBNETWORK  VPC network / subnetwork (subnetwork as regions/R/subnetworks/S or a URL)
#   SERVICE_ACCOUNT      worker service account e-mail
#   LABELS               comma-separated key=value job labels (default: app=manim-dataset)
#   SDK_CONTAINER_IMAGE  worker image built from ./Dockerfile (instead of --setup_file)
#   JOB_NAME             Dataflow job name (default: manim-dataset-<UTC timestamp>)
#   OUTPUT               output root (default: gs://$BUCKET/manim-dataset)
#   DVC_REMOTE           DVC remote (default: gs://$BUCKET/dvc_store)
#   WAIT                 1 (default): wait for the job, then take the DVC snapshot;
#                        0: submit, print the job id and console link, and return
#   DRY_RUN              1: print the command instead of running it
#   PYTHON               interpreter (default: python3; Python 3.11, like the workers)
# Any arguments are passed on to `python -m beam_pipeline` (see its --help).
#
# GitHub tokens never go on this command line: the workers read them from
# Secret Manager (--github_token_secret), so they stay out of the job graph.
set -euo pipefail

die() {
  echo "run_dataflow.sh: $*" >&2
  exit 2
}

PROJECT="${PROJECT:-}"
REGION="${REGION:-}"
BUCKET="${BUCKET:-}"
missing=()
for var in PROJECT REGION BUCKET; do
  if [[ -z "${!var}" ]]; then
    missing+=("$var")
  fi
done
if ((${#missing[@]})); then
  die "set ${missing[*]} (e.g. PROJECT=my-project REGION=us-central1 BUCKET=my-bucket bash run_dataflow.sh)"
fi
[[ "$BUCKET" != gs://* ]] || die "BUCKET is a bucket name, without gs:// (got $BUCKET)"
[[ "$BUCKET" != */* ]] || die "BUCKET is a bucket name, without a path (got $BUCKET)"

cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON="${PYTHON:-python3}"
MAX_WORKERS="${MAX_WORKERS:-4}"
MACHINE_TYPE="${MACHINE_TYPE:-n2-standard-2}"
LABELS="${LABELS:-app=manim-dataset}"
QUERY="${QUERY:-manim}"
WAIT="${WAIT:-1}"
DRY_RUN="${DRY_RUN:-0}"
JOB_NAME="${JOB_NAME:-manim-dataset-$(date -u +%Y%m%d-%H%M%S)}"
OUTPUT="${OUTPUT:-gs://$BUCKET/manim-dataset}"
DVC_REMOTE="${DVC_REMOTE:-gs://$BUCKET/dvc_store}"

[[ "$MAX_WORKERS" =~ ^[1-9][0-9]*$ ]] || die "MAX_WORKERS must be a positive integer (got $MAX_WORKERS)"

# Concurrency budget. GitHub's secondary limits hold per token across every
# process using it (100 requests in flight, 900 requests and 90 s of server time
# a minute); Dataflow runs one SDK process per vCPU, each pacing itself alone, so
# each gets its share of the limits.
VCPUS="${VCPUS:-$(sed -nE 's/^[a-z0-9]+-(standard|highmem|highcpu)-([0-9]+)$/\2/p' <<<"$MACHINE_TYPE")}"
VCPUS="${VCPUS:-2}"
[[ "$VCPUS" =~ ^[1-9][0-9]*$ ]] || die "VCPUS must be a positive integer (got $VCPUS)"
processes=$((MAX_WORKERS * VCPUS))
share() { local n=$(($1 / processes)); echo $((n > 0 ? n : 1)); }

args=(
  -m beam_pipeline
  --runner=DataflowRunner
  --project="$PROJECT"
  --region="$REGION"
  --job_name="$JOB_NAME"
  --temp_location="gs://$BUCKET/tmp"
  --staging_location="gs://$BUCKET/staging"
  --output="$OUTPUT"
  --dvc_remote="$DVC_REMOTE"
  --query="$QUERY"
  --max_num_workers="$MAX_WORKERS"
  --machine_type="$MACHINE_TYPE"
  --experiments=use_runner_v2
  --max_concurrent_requests="$(share 100)"
  --max_requests_per_minute="$(share 900)"
  --max_server_s_per_minute="$(share 90)"
)

if [[ -n "${SDK_CONTAINER_IMAGE:-}" ]]; then
  args+=(--sdk_container_image="$SDK_CONTAINER_IMAGE")
else
  args+=(--setup_file=./setup.py)
fi

IFS=',' read -r -a label_list <<<"$LABELS"
for label in "${label_list[@]}"; do
  [[ "$label" == *=* ]] || die "LABELS must be key=value pairs separated by commas (got $label)"
  args+=(--labels="$label")
done

if [[ -n "${GITHUB_TOKEN_SECRET:-}" ]]; then
  secret="$GITHUB_TOKEN_SECRET"
  if [[ "$secret" != projects/* ]]; then
    secret="projects/$PROJECT/secrets/$secret"
  fi
  if [[ "$secret" != */versions/* ]]; then
    secret="$secret/versions/latest"
  fi
  args+=(--github_token_secret="$secret")
else
  echo "run_dataflow.sh: warning: GITHUB_TOKEN_SECRET is not set; workers crawl GitHub unauthenticated (60 requests/hour)" >&2
fi

[[ -z "${NETWORK:-}" ]] || args+=(--network="$NETWORK")
[[ -z "${SUBNETWORK:-}" ]] || args+=(--subnetwork="$SUBNETWORK")
[[ -z "${SERVICE_ACCOUNT:-}" ]] || args+=(--service_account_email="$SERVICE_ACCOUNT")
[[ "$WAIT" == 1 ]] || args+=(--no_wait_until_finish)
args+=("$@")

if [[ "$DRY_RUN" == 1 ]]; then
  printf '%q ' "$PYTHON" "${args[@]}"
  printf '\n'
  exit 0
fi

exec "$PYTHON" "${args[@]}"
