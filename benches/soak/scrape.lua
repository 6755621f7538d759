-- wrk script for scripts/soak: every connection cycles through every /debug/pprof endpoint the
-- demo serves, and the status codes are counted per endpoint class across threads.
local paths = {
  "/debug/pprof/",
  "/debug/pprof/profile?seconds=1",
  "/debug/pprof/heap",
  "/debug/pprof/heap?debug=1",
  "/debug/pprof/allocs",
  "/debug/pprof/goroutine",
  "/debug/pprof/goroutine?debug=1",
  "/debug/pprof/goroutine?debug=2",
  "/debug/pprof/threadcreate",
  "/debug/pprof/mutex",
  "/debug/pprof/block",
  "/debug/pprof/cmdline",
  "/debug/pprof/symbol",
  "/debug/pprof/allocstats",
}

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  n = id -- threads start at different endpoints
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, k in pairs(c) do
      total[status] = (total[status] or 0) + k
    end
  end
  local keys = {}
  for status in pairs(total) do table.insert(keys, status) end
  table.sort(keys)
  for _, status in ipairs(keys) do
    io.write(string.format("status %d: %d\n", status, total[status]))
  end
end
