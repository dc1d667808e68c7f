-- The bench's request mix for wrk: replays the request list in args[1] (written by bench/mix.py)
-- and checks every response's status against the one that request must get.
--
-- Run with one connection per thread (wrk -t N -c N). A connection alternates request and response,
-- so `pending` always names the request the next response answers; wrk tells a script nothing about
-- connections, and with several per thread responses would arrive out of order.
--
-- Counts live in plain globals (`sent_<class>`, `ok_<class>`, `wrong_<class>`): `thread:get` of a
-- table crashes Debian's wrk 4.1.0, while numbers and strings transfer fine.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local reqs, want, class = {}, {}, {}
local n, i, pending = 0, 0, nil
class_names = ""
samples = ""
unmatched = 0
local sample_count = 0

function init(args)
  local list = dofile(args[1])
  for k, r in ipairs(list) do
    reqs[k] = wrk.format("GET", r[2], {
      ["Authorization"] = "Bearer " .. r[3],
      ["Prefer"] = "code=" .. r[4],
      ["Accept"] = "application/json",
    })
    want[k] = r[4]
    class[k] = r[1]
    if _G["sent_" .. r[1]] == nil then
      _G["sent_" .. r[1]], _G["ok_" .. r[1]], _G["wrong_" .. r[1]] = 0, 0, 0
      class_names = class_names .. r[1] .. " "
    end
  end
  n = #reqs
  i = (tid * 127) % n
end

function request()
  i = i % n + 1
  pending = i
  local key = "sent_" .. class[i]
  _G[key] = _G[key] + 1
  return reqs[i]
end

function response(status, headers, body)
  local k = pending
  if k == nil then
    unmatched = unmatched + 1
    return
  end
  pending = nil
  if status == want[k] then
    local key = "ok_" .. class[k]
    _G[key] = _G[key] + 1
  else
    local key = "wrong_" .. class[k]
    _G[key] = _G[key] + 1
    if sample_count < 5 then
      sample_count = sample_count + 1
      local line = string.match(reqs[k], "^[^\r]*")
      samples = samples .. class[k] .. " " .. line .. ": expected " .. want[k] .. ", got " .. status .. "\n"
    end
  end
end

local function quote(s)
  return '"' .. tostring(s):gsub('[%c"\\]', " ") .. '"'
end

function done(summary, latency, requests)
  local totals, lines, extra = {}, {}, 0
  for _, t in ipairs(threads) do
    for name in string.gmatch(t:get("class_names"), "%S+") do
      local a = totals[name] or { sent = 0, ok = 0, wrong = 0 }
      a.sent = a.sent + t:get("sent_" .. name)
      a.ok = a.ok + t:get("ok_" .. name)
      a.wrong = a.wrong + t:get("wrong_" .. name)
      totals[name] = a
    end
    for line in string.gmatch(t:get("samples"), "[^\n]+") do
      if #lines < 10 then
        table.insert(lines, quote(line))
      end
    end
    extra = extra + t:get("unmatched")
  end
  local classes = {}
  for name, a in pairs(totals) do
    table.insert(classes, string.format('%s:{"sent":%d,"ok":%d,"wrong":%d}', quote(name), a.sent, a.ok, a.wrong))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"unmatched":%d,"classes":{%s},"samples":[%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, extra,
    table.concat(classes, ","), table.concat(lines, ",")
  ))
end
