# shellcheck shell=bash
# shellcheck disable=SC2154 # admin_key and the settings of lib/local-stack.sh are set by the script that sources it
# The two demo tenants of scripts/run.sh and scripts/cluster.sh, made through the operator API, and the curl examples
# those scripts print. Sourced by lib/local-stack.sh.

# operator_curl ARGS...: the key goes in through a file descriptor, so it never shows in `ps`.
operator_curl() {
    curl -sS -H @<(printf 'Authorization: Bearer %s\n' "$admin_key") "$@"
}

# find_tenant_id API DOMAIN
find_tenant_id() {
    local api="$1" domain="$2" cursor="" page id
    while :; do
        page="$(operator_curl -f "$api/api/admin/tenants?limit=200${cursor:+&cursor=$cursor}")"
        id="$(jq -r --arg domain "$domain" '.items[] | select(.domain == $domain) | .id' <<<"$page")"
        [ -n "$id" ] && { printf '%s' "$id"; return; }
        cursor="$(jq -r '.next_cursor // empty' <<<"$page")"
        [ -n "$cursor" ] || die "tenant $domain exists (409) but is not in the operator's tenant list."
    done
}

# ensure_tenant API < BODY: creates the tenant, or finds the one that already has this domain (409); prints its id.
ensure_tenant() {
    local api="$1" body domain response status
    body="$(cat)"
    domain="$(jq -r .domain <<<"$body")"
    response="$(operator_curl -X POST "$api/api/admin/tenants" -H 'Content-Type: application/json' \
        -d "$body" -w '\n%{http_code}')"
    status="${response##*$'\n'}"
    response="${response%$'\n'*}"
    case "$status" in
        201) jq -r .id <<<"$response" ;;
        409) find_tenant_id "$api" "$domain" ;;
        *) die "creating tenant $domain failed with HTTP $status: $response" ;;
    esac
}

# create_demo_tenants API: Acme on tenant1.localhost and Globex on tenant2.localhost; sets tenant1_id, tenant2_id.
create_demo_tenants() {
    tenant1_id="$(ensure_tenant "$1" <<'JSON'
{ "name": "Acme", "domain": "tenant1.localhost", "system_prompt": "Explain things like I'm five",
  "token_limit": 100000, "model": "mock-1", "seed": 42, "allowed_models": ["mock-1", "mock-2"],
  "admin_email": "admin@acme.test", "admin_password": "acme admin password" }
JSON
    )"
    tenant2_id="$(ensure_tenant "$1" <<'JSON'
{ "name": "Globex", "domain": "tenant2.localhost",
  "system_prompt": "You are a formal, professional support agent for Globex. Answer precisely.",
  "token_limit": 50000, "model": "mock-1" }
JSON
    )"
    say "demo tenants: tenant1.localhost (Acme) $tenant1_id, tenant2.localhost (Globex) $tenant2_id"
}

# print_try_it API: the variables to paste and the curl examples, after the caller's own lines on what runs where.
print_try_it() {
    cat <<EOF
  postgres   127.0.0.1:$pg_port database tenantchat   log: ${log_dir#"$repo/"}/postgres.log
             served as $SERVING_LOGIN; owner and migrations: postgres   log: ${log_dir#"$repo/"}/migrate.log
  AI         $ai_provider${ai_base_url:+ at $ai_base_url}
  operator key (Admin:ApiKey, kept in ${key_file#"$repo/"}): $admin_key

Web pages (a browser sends *.localhost to this machine):
  visitor chat     ${1/127.0.0.1/tenant1.localhost}/
  widget script    ${1/127.0.0.1/tenant1.localhost}/widget.js
  tenant console   ${1/127.0.0.1/tenant1.localhost}/console   (admin@acme.test / acme admin password)
  operator console ${1/127.0.0.1/localhost}/operator          (the operator key above)

Try it from another shell (paste these four lines first):
  API=$1
  KEY=$admin_key
  T1=$tenant1_id
  T2=$tenant2_id

EOF
    cat <<'EOF'
# Chat as tenant1 (Acme: "explain like I'm five") and as tenant2 (Globex: a formal support agent)
curl -s "$API/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Explain the theory of relativity simply"}'
curl -s "$API/api/chat/call" -H 'Host: tenant2.localhost' -H 'Content-Type: application/json' -d '{"prompt":"How do I reset my password?"}'

# Continue a conversation: send back the conversation_id of an earlier answer
CONV=$(curl -s "$API/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Why is the sky blue?"}' | jq -r .conversation_id)
curl -s "$API/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d "{\"prompt\":\"And why are sunsets red?\",\"conversation_id\":\"$CONV\"}"

# Operator: every tenant, then one (tokens_used and calls climb with each chat)
curl -s "$API/api/admin/tenants" -H "Authorization: Bearer $KEY"
curl -s "$API/api/admin/tenants/$T1" -H "Authorization: Bearer $KEY" | jq '{tokens_used, tokens_remaining, calls, period_start}'

# Budget: shrink tenant2's token_limit and the next call is refused (429 token_limit_exceeded); then restore it
curl -s -X PATCH "$API/api/admin/tenants/$T2" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"token_limit":10}'
curl -s -w '\nHTTP %{http_code}\n' "$API/api/chat/call" -H 'Host: tenant2.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Are you still there?"}'
curl -s -X PATCH "$API/api/admin/tenants/$T2" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"token_limit":50000}'

# Reset tenant1's usage: tokens_used back to 0, period_start now
curl -s -X POST "$API/api/admin/tenants/$T1/usage/reset" -H "Authorization: Bearer $KEY"

EOF
}
