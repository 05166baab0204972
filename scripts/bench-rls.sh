#!/usr/bin/env bash
# What row-level security costs the database on a tenant user's history read (GET /api/chat/messages), apart from
# scripts/bench.sh, whose throughput rows cannot resolve a few percent. On a private PostgreSQL with the real schema
# (sql/, applied as the owner) and 20 tenants x 5,000 messages, pgbench runs as the serving login, 8 clients, in
# pipeline mode (one round trip and one implicit transaction per read, as Npgsql sends a batch):
#   off: the history query alone (what Database:RowLevelSecurity=false sends);
#   on:  the scope statement TenantDatabase sends first, then the same query under the tenant role and its policy.
# Alternates off and on RLS_BENCH_ROUNDS times (3) for RLS_BENCH_SECONDS each (12) and prints each run's rate and the
# database CPU per read both imply (2 cores, pgbench included). Loopback only; everything is thrown away.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/postgres.sh

SERVING_LOGIN=tenantchat_silo
ensure_postgres_installed
work="$(mktemp -d /tmp/tenantchat-rlsbench.XXXXXX)"
chmod 755 "$work"
port=""
pick_port port
cleanup() { stop_postgres "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT

start_postgres "$work/pg" "$port"
psql=("$(pg_bin_dir)/psql" -q -h 127.0.0.1 -p "$port" -U postgres -X -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "create database tenantchat" >/dev/null
create_serving_login "$port"
for script in sql/*.sql; do
    "${psql[@]}" -d tenantchat -f "$script" >/dev/null
done
"${psql[@]}" -d tenantchat >/dev/null <<'SQL'
insert into tenants (id, name, domain, system_prompt, model, allowed_models, token_limit, period_start)
select ('00000000-0000-0000-0000-0000000000' || lpad(g::text, 2, '0'))::uuid, 'T' || g, 't' || g || '.test', 'system',
       'm', array['m'], 1000000000, now()
from generate_series(0, 19) g;
insert into chat_messages (id, tenant_id, conversation_id, prompt, response, model, seed, prompt_tokens,
                           completion_tokens, total_tokens, created_at)
select gen_random_uuid(), ('00000000-0000-0000-0000-0000000000' || lpad((g % 20)::text, 2, '0'))::uuid, gen_random_uuid(),
       'a question ' || g, 'an answer of a usual length ' || repeat('x', 200), 'm', 1, 10, 20, 30,
       now() - (g || ' seconds')::interval
from generate_series(1, 100000) g;
analyze;
SQL

tenant="('00000000-0000-0000-0000-0000000000' || lpad(:t::text, 2, '0'))"
query="select id, conversation_id, prompt, response, model, seed, prompt_tokens, completion_tokens, created_at, provider,
    cached, handoff, erased_at is not null, sources::text from chat_messages where tenant_id = $tenant::uuid
    order by created_at desc, id desc limit 20;"
printf '\\set t random(0, 19)\n\\startpipeline\n%s\n\\endpipeline\n' "$query" >"$work/off.sql"
printf '\\set t random(0, 19)\n\\startpipeline\n%s\n%s\n\\endpipeline\n' \
    "select set_config('role', 'tenantchat_tenant', true), set_config('app.tenant_id', $tenant, true);" "$query" >"$work/on.sql"

say "history reads as $SERVING_LOGIN, 8 clients, ${RLS_BENCH_SECONDS:-12} s each"
for round in $(seq "${RLS_BENCH_ROUNDS:-3}"); do
    for variant in off on; do
        tps="$("$(pg_bin_dir)/pgbench" -h 127.0.0.1 -p "$port" -U "$SERVING_LOGIN" -n -M prepared -c 8 -j 2 \
            -T "${RLS_BENCH_SECONDS:-12}" -f "$work/$variant.sql" tenantchat 2>/dev/null | awk '/^tps/ {print $3}')"
        [ -n "$tps" ] || die "pgbench failed ($variant)"
        awk -v r="$round" -v v="$variant" -v t="$tps" \
            'BEGIN { printf "round %s  %-3s  %8.0f reads/s  %5.1f µs of the 2 cores per read\n", r, v, t, 2000000 / t }'
    done
done
