-- Counts answers per thread and sums them at the end, so "sent" can be set
-- against the hits the database stored. Every status but 302 is an error here.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  answered = 0
  wrong_status = 0
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 302 then
    wrong_status = wrong_status + 1
  end
end

function done(summary, latency, requests)
  local total, wrong = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("answered")
    wrong = wrong + thread:get("wrong_status")
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT answered=%d wrong_status=%d connect=%d read=%d write=%d timeout=%d status=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    total, wrong, errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
