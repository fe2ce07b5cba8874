-- wrk script for scripts/stress (t_load.wrk_load): POST /v1/jobs with a
-- small tiled job and a fresh seed per request; counts the answers, which
-- must all be 202, or 503 with Retry-After (a full queue).
local counter = 0
local threads = {}
local body_fmt = '{"model":"tiled","tileSize":1,"width":48,"height":48,"seed":%d,' ..
	'"tiles":[{"name":"a","color":"#2060c0"},{"name":"b","color":"#e0d090"}],' ..
	'"neighbors":[{"left":"a","right":"a"},{"left":"a","right":"b"},{"left":"b","right":"b"}]}'

setup = function(thread)
	table.insert(threads, thread)
end

init = function(args)
	accepted, full, full_no_retry, other = 0, 0, 0, 0
	counter = math.random(1, 1000000000)
end

request = function()
	counter = counter + 1
	return wrk.format("POST", "/v1/jobs", {["Content-Type"] = "application/json"},
		string.format(body_fmt, counter))
end

response = function(status, headers, body)
	if status == 202 then
		accepted = accepted + 1
	elseif status == 503 then
		if headers["Retry-After"] then full = full + 1 else full_no_retry = full_no_retry + 1 end
	else
		other = other + 1
	end
end

done = function(summary, latency, requests)
	local a, f, fn, o = 0, 0, 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("accepted")
		f = f + t:get("full")
		fn = fn + t:get("full_no_retry")
		o = o + t:get("other")
	end
	local e = summary.errors
	io.write(string.format("STRESS requests=%d socket_errors=%d connect=%d read=%d write=%d " ..
		"timeout=%d accepted=%d full=%d full_no_retry=%d other=%d p50_ms=%.2f p99_ms=%.2f " ..
		"max_ms=%.2f rps=%.1f\n",
		summary.requests, e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write,
		e.timeout, a, f, fn, o, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		latency.max / 1000, summary.requests / (summary.duration / 1e6)))
end
