-- daemon_log.lua - drive a running relaylock over its unix socket
-- (RL_SOCKET) with decisions whose log lines the fail2ban and report tests
-- then read: plain refusals, accepts, and client-controlled text that
-- tries to forge a client= field or a whole second log line.
-- miltertest does not print error() messages: echo them first.
local function fail(msg)
	mt.echo("FAIL: " .. msg)
	error(msg)
end

local sock = os.getenv("RL_SOCKET")
if sock == nil then fail("RL_SOCKET is not set") end

local nl_forgery = "<x@evil.example>\nNov 23 10:00:00 mx relaylock[1]: NOQUEUE: " ..
	"action=reject reason=relay_denied client=6.6.6.8 auth=- from=<> rcpt=<x> " ..
	"resolved=- mailer=- mode=enforce"

-- ip, sender, recipient, auth, {rcpt_addr}, {rcpt_mailer}, expected
local cases = {
	{"203.0.113.9", "<a@b.example>", "<user%ext.example@example.com>", nil,
	 "user@ext.example", "esmtp", "reject"},
	{"203.0.113.9", "<>", "<a@b client=6.6.6.6>", nil, "a@b", "esmtp", "reject"},
	{"198.51.100.7", "<x client=6.6.6.7>", "<x@evil.example>", nil,
	 "x@evil.example", "esmtp", "reject"},
	{"198.51.100.7", "<>", nl_forgery, nil, "x@evil.example", "esmtp", "reject"},
	{"198.51.100.7", "<>", "<x@evil.example>\tclient=6.6.6.10 mode=enforce", nil,
	 "x@evil.example", "esmtp", "reject"},
	{"192.0.2.10", "<>", "<x@evil.example>", nil, "x@evil.example", "esmtp", "accept"},
	{"203.0.113.9", "<>", "<bob@example.com>", nil, "bob@example.com", "local", "accept"},
	{"203.0.113.20", "<>", "<x@evil.example>", "alice client=6.6.6.9",
	 "x@evil.example", "esmtp", "accept"},
	{"2001:db8::25", "<>", "<x@evil.example>", nil, "x@evil.example", "esmtp", "reject"},
	{"203.0.113.9", "<>", "<\"user@ext.example\"@example.com>", nil,
	 "user@ext.example", "esmtp", "reject"},
}

-- In monitor mode relaylock logs would-reject and lets the recipient pass.
local monitor = os.getenv("RL_MODE") == "monitor"

mt.set_timeout(10)
for i, c in ipairs(cases) do
	mt.echo("case " .. i .. ": connecting")
	local conn = mt.connect(sock, 40, 0.25)
	if conn == nil then fail("case " .. i .. ": cannot connect to " .. sock) end
	if mt.conninfo(conn, "client.example", c[1]) ~= nil then
		fail("case " .. i .. ": conninfo failed")
	end
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		fail("case " .. i .. ": connection refused")
	end
	if c[4] ~= nil then
		mt.macro(conn, SMFIC_MAIL, "{auth_authen}", c[4], "{auth_type}", "PLAIN")
	end
	if mt.mailfrom(conn, c[2]) ~= nil then fail("case " .. i .. ": mailfrom failed") end
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		fail("case " .. i .. ": sender refused")
	end
	mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", c[5], "{rcpt_mailer}", c[6],
	         "{rcpt_host}", "mx.example")
	if mt.rcptto(conn, c[3]) ~= nil then fail("case " .. i .. ": rcptto failed") end
	local r = mt.getreply(conn)
	local got = "other"
	if r == SMFIR_CONTINUE or r == SMFIR_ACCEPT then got = "accept" end
	if r == SMFIR_REPLYCODE or r == SMFIR_REJECT then got = "reject" end
	local want = c[7]
	if monitor then want = "accept" end
	if got ~= want then
		fail("case " .. i .. " (" .. c[3] .. "): expected " .. want .. ", got " .. got)
	end
	mt.disconnect(conn)
end
mt.echo("daemon_log.lua: " .. #cases .. " decisions as expected")
