-- wrk script for bench/server.sh: POST /v1/generate with a fresh seed per
-- request (identical requests would all be the same job).
local counter = 0
local entry = os.getenv("WFCD_BENCH_ENTRY") or "Pipes"

request = function()
	counter = counter + 1
	local body = string.format('{"library":"%s","seed":%d}', entry, counter)
	return wrk.format("POST", "/v1/generate",
		{["Content-Type"] = "application/json", ["Accept"] = "image/png"}, body)
end

done = function(summary, latency, requests)
	io.write(string.format("wrk: %d requests, %d errors (connect %d, read %d, write %d, timeout %d, status %d)\n",
		summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.timeout + summary.errors.status, summary.errors.connect, summary.errors.read,
		summary.errors.write, summary.errors.timeout, summary.errors.status))
	io.write(string.format("wrk: p50 %.2f ms, p99 %.2f ms, %.1f requests/s\n",
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.requests / (summary.duration / 1e6)))
end
