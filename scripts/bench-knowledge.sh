#!/usr/bin/env bash
# Measures the knowledge feature on real parts, apart from scripts/bench.sh: embedding throughput on one core,
# memory and search latency (p50/p99) over one tenant's 10,000 chunks on a private PostgreSQL. Writes
# docs/knowledge-benchmark.md (KNOWLEDGE_BENCH_OUT changes where). KNOWLEDGE_BENCH_CHUNKS changes the number of
# chunks. KNOWLEDGE_BENCH_RLS=0 searches without the row-level security scope (to measure its cost). scripts/bench.sh
# runs it after its own report unless BENCH_KNOWLEDGE_DETAIL=0.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/postgres.sh

ensure_postgres_installed
work="$(mktemp -d /tmp/tenantchat-kbench.XXXXXX)"
chmod 755 "$work"
pick_port port
cleanup() { stop_postgres "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT

start_postgres "$work/pg" "$port"
for script in sql/*.sql; do
    as_postgres "$(pg_bin_dir)/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -f "$script" >/dev/null
done

dotnet run --project tests/KnowledgeBench -c Release -- \
    "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres" "${KNOWLEDGE_BENCH_OUT:-docs/knowledge-benchmark.md}" "${KNOWLEDGE_BENCH_CHUNKS:-10000}"
