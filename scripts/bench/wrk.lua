-- wrk script of scripts/bench.sh (run by tests/Bench). Configured by the environment:
--   BENCH_MODE          "floor": requests go to the URL given to wrk as they are (the fake upstream, directly)
--                       "chat":  POST /api/chat/call with a JSON prompt
--                       "openai": POST an OpenAI-style chat completion (system message and prompt) to the URL's path
--   BENCH_SYSTEM        openai: the system message
--   BENCH_MODEL         openai: the model
--   BENCH_HEADERS       openai: extra headers, "Name: value" pairs separated by "|"
--   BENCH_HOST          chat on one tenant: its Host header
--   BENCH_HOST_FORMAT   chat on many tenants: a string.format pattern ("t%04d.bench") for tenants 1..BENCH_HOST_COUNT;
--                       every request takes the next tenant, so each is called in turn
--   BENCH_PROMPT        the prompt
--                       "get":   GET BENCH_PATH on the tenant BENCH_HOST with the tenant user's BENCH_TOKEN
-- done() prints one line "BENCH_JSON {...}" with the counts and the latency percentiles in microseconds.

local mode = os.getenv("BENCH_MODE") or "chat"
local prompt = os.getenv("BENCH_PROMPT") or "Explain the theory of relativity simply"
local host_format = os.getenv("BENCH_HOST_FORMAT")
local host_count = tonumber(os.getenv("BENCH_HOST_COUNT") or "1")
local body = '{"prompt":"' .. prompt .. '"}'

if mode == "chat" then
    wrk.method = "POST"
    wrk.path = "/api/chat/call"
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
    if host_format == nil then
        -- One request for all: wrk builds it once.
        wrk.headers["Host"] = os.getenv("BENCH_HOST")
    end
end

if mode == "openai" then
    local system = os.getenv("BENCH_SYSTEM") or ""
    local model = os.getenv("BENCH_MODEL") or "bench-1"
    wrk.method = "POST"
    wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"' .. system
        .. '"},{"role":"user","content":"' .. prompt .. '"}]}'
    wrk.headers["Content-Type"] = "application/json"
    for pair in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^|]+") do
        local name, value = string.match(pair, "^%s*([^:]+):%s*(.-)%s*$")
        if name ~= nil then
            wrk.headers[name] = value
        end
    end
end

if mode == "get" then
    wrk.method = "GET"
    wrk.path = os.getenv("BENCH_PATH")
    wrk.headers["Host"] = os.getenv("BENCH_HOST")
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

if mode == "chat" and host_format ~= nil then
    local requests = {}
    local next_index = 1
    local threads = 0

    function setup(thread)
        thread:set("thread_number", threads)
        threads = threads + 1
    end

    -- Built once per thread, so a request costs wrk a table lookup, not a string build.
    function init(args)
        for i = 1, host_count do
            requests[i] = wrk.format("POST", "/api/chat/call",
                { ["Host"] = string.format(host_format, i), ["Content-Type"] = "application/json" }, body)
        end
        -- Threads start half the list apart, so they do not call the same tenant at the same moment.
        next_index = (thread_number * math.floor(host_count / 2)) % host_count + 1
    end

    function request()
        local r = requests[next_index]
        next_index = next_index % host_count + 1
        return r
    end
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
            .. '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
        summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
        latency.min, latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
