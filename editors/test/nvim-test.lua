-- Headless Neovim (Debian's 0.7.2) end-to-end test of OUR plugin (editors/nvim) against the real
-- `exportdb lsp`: diagnostics, hover, :ExportDB case, code actions, the code lens shown and
-- refreshed after a fix, one client per root, :ExportDB fixall / info / restart, settings sent
-- again by setup(), :checkhealth exportdb (with a server, then with a missing binary) and the one
-- clear message for a missing binary. Run by run-editors.sh:
--   EXPORTDB=bin PLUGIN=editors/nvim PROJ=dir PYFILE=dir/model/pool.py SECOND=dir/model/other.py
--   OTHER=elsewhere/x.py EXPECT=fixtures/pool.expect.json OUT=result.json \
--   nvim --headless -u NONE -i NONE -n -c 'luafile nvim-test.lua'
-- A Lua error would leave headless nvim running for ever: everything runs under xpcall and the
-- script always ends with qall!/cquit.
local result = { steps = {} }
local t0 = vim.loop.hrtime()

local function check(name, cond, detail)
  table.insert(result.steps, { name = name, ok = cond and true or false, detail = detail,
    ms = math.floor((vim.loop.hrtime() - t0) / 1e6) })
  if not cond then
    error("FAILED: " .. name .. " " .. vim.inspect(detail))
  end
end

local function readjson(path)
  return vim.fn.json_decode(table.concat(vim.fn.readfile(path), "\n"))
end

local function floats()
  return vim.tbl_filter(function(w)
    return vim.api.nvim_win_get_config(w).relative ~= ""
  end, vim.api.nvim_list_wins())
end

-- The texts Neovim displays for code lenses in bufnr: the virtual text (up to 0.11) or virtual
-- lines of the extmarks in its code lens namespaces.
local function lens_texts(bufnr)
  vim.cmd("redraw") -- Neovim 0.12 draws code lenses when the window is redrawn
  local out = {}
  for name, ns in pairs(vim.api.nvim_get_namespaces()) do
    if name:find("codelens", 1, true) then
      for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })) do
        local chunks = {}
        for _, c in ipairs(m[4].virt_text or {}) do
          table.insert(chunks, c[1])
        end
        for _, l in ipairs(m[4].virt_lines or {}) do
          for _, c in ipairs(l) do
            table.insert(chunks, c[1])
          end
        end
        local t = vim.trim(table.concat(chunks))
        if t ~= "" then
          out[#out + 1] = { line = m[2], text = t }
        end
      end
    end
  end
  return out
end

local function has_lens(bufnr, line, text)
  for _, l in ipairs(lens_texts(bufnr)) do
    if l.line == line and l.text:find(text, 1, true) then
      return true
    end
  end
  return false
end

-- :checkhealth exportdb, its report as lines (the health buffer is wiped afterwards)
local function checkhealth()
  local before = vim.api.nvim_get_current_buf()
  vim.cmd("checkhealth exportdb")
  local buf = vim.api.nvim_get_current_buf()
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  if buf ~= before then
    vim.cmd("bwipeout! " .. buf)
  end
  return lines
end

local function find_line(lines, pattern)
  for _, l in ipairs(lines) do
    if l:find(pattern) then
      return l
    end
  end
  return nil
end

local function client_ids()
  return vim.tbl_map(function(c)
    return c.id
  end, require("exportdb").clients())
end

local ok, err = xpcall(function()
  local env = function(k)
    local v = os.getenv(k)
    assert(v, k .. " unset")
    return v
  end
  local exportdb_bin, pyfile, proj = env("EXPORTDB"), env("PYFILE"), env("PROJ")
  local want = readjson(env("EXPECT"))

  vim.opt.runtimepath:prepend(env("PLUGIN"))
  vim.cmd("filetype on")
  local exportdb = require("exportdb")
  exportdb.setup({ cmd = { exportdb_bin, "lsp" }, torch_version = "2.5" })
  check("command", vim.fn.exists(":ExportDB") == 2, vim.fn.exists(":ExportDB"))

  -- the FileType autocmd starts the server with the project root
  vim.cmd("edit " .. vim.fn.fnameescape(pyfile))
  local bufnr = vim.api.nvim_get_current_buf()
  check("filetype", vim.bo[bufnr].filetype == "python", vim.bo[bufnr].filetype)
  -- (0.7 lists a client only once it is initialized)
  check("attached", vim.wait(10000, function()
    return #exportdb.clients(bufnr) == 1
  end, 20), #exportdb.clients(bufnr))
  local clients = exportdb.clients(bufnr)
  local client = clients[1]
  check("root_dir", client.config.root_dir == proj, { got = client.config.root_dir, want = proj })

  -- diagnostics: exactly the expected finding, at the span the fixture file holds
  local got = vim.wait(10000, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 20)
  local diags = vim.diagnostic.get(bufnr)
  local line = vim.api.nvim_buf_get_lines(bufnr, want.line, want.line + 1, false)[1]
  local s = line:find(want.span, 1, true) - 1
  local summary = vim.tbl_map(function(d)
    return { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity,
      code = d.code, source = d.source, message = d.message,
      href = d.user_data and d.user_data.lsp.codeDescription and d.user_data.lsp.codeDescription.href }
  end, diags)
  check("diagnostics", got and #diags == 1, summary)
  local d = summary[1]
  check("diagnostic_code", d.code == want.case and d.source == want.source and d.href == want.href, d)
  check("diagnostic_severity", d.severity == want.severity, d)
  check("diagnostic_range", d.lnum == want.line and d.col == s and d.end_lnum == want.line
    and d.end_col == s + #want.span, { got = d, want_col = s, want_end_col = s + #want.span })
  check("diagnostic_message", type(d.message) == "string" and d.message ~= "" and not d.message:match("%.$"), d.message)

  -- the readiness lens above the class: requested by the plugin, displayed by Neovim
  local class_line = 3 -- "class Pool(torch.nn.Module):" (0-based)
  check("code_lens", vim.wait(10000, function()
    return has_lens(bufnr, class_line, want.code_lens)
  end, 20), lens_texts(bufnr))

  -- hover: the card, through the raw request and through ":ExportDB case" (a floating window)
  vim.api.nvim_win_set_cursor(0, { want.line + 1, s + 2 })
  local res = vim.lsp.buf_request_sync(bufnr, "textDocument/hover",
    vim.lsp.util.make_position_params(0, client.offset_encoding), 5000)
  local hover = res and res[client.id] and res[client.id].result
  local text = hover and (hover.contents.value or hover.contents)
  for _, needle in ipairs(want.hover_contains) do
    check("hover_text " .. needle, type(text) == "string" and text:find(needle, 1, true), hover)
  end
  check("hover_link", type(text) == "string" and text:find(want.href, 1, true), text)
  vim.cmd("ExportDB case")
  check("case_float", vim.wait(5000, function()
    return #floats() > 0
  end, 20), nil)
  local float_lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(floats()[1]), 0, -1, false)
  check("case_float_text", table.concat(float_lines, "\n"):find(want.case, 1, true), float_lines)
  vim.api.nvim_win_close(floats()[1], true)

  -- code actions: the fix, then the ignore action; apply the fix
  local cparams = vim.lsp.util.make_range_params(0, client.offset_encoding)
  cparams.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, want.line) }
  local cres = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", cparams, 5000)
  local actions = cres and cres[client.id] and cres[client.id].result or {}
  local titles = vim.tbl_map(function(a)
    return a.title
  end, actions)
  local fix_i, ignore_i
  for i, a in ipairs(actions) do
    if a.kind == "quickfix" and a.title:find(want.fix_title_contains, 1, true) then
      fix_i = fix_i or i
    end
    if a.title == want.ignore_title then
      ignore_i = ignore_i or i
    end
  end
  check("code_actions", fix_i and ignore_i and fix_i < ignore_i, titles)
  check("fix_is_unsafe", titles[fix_i]:find("unsafe", 1, true), titles[fix_i])
  vim.lsp.util.apply_workspace_edit(actions[fix_i].edit, client.offset_encoding)
  local fixed = vim.api.nvim_buf_get_lines(bufnr, want.line, want.line + 1, false)[1]
  check("fix_applied", fixed == want.fixed_line, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  -- the change is sent, the server re-analyses, the finding is gone
  check("diagnostics_cleared", vim.wait(10000, function()
    return #vim.diagnostic.get(bufnr) == 0
  end, 20), vim.diagnostic.get(bufnr))
  -- the lens follows the re-analysis: no blocker left
  check("code_lens_refreshed", vim.wait(10000, function()
    return has_lens(bufnr, class_line, want.code_lens_fixed)
  end, 20), lens_texts(bufnr))
  vim.cmd("silent write")
  check("written", vim.fn.readfile(pyfile)[want.line + 1] == want.fixed_line, vim.fn.readfile(pyfile))

  -- one client per root: a second file of the project reuses it, a file elsewhere gets its own
  vim.cmd("edit " .. vim.fn.fnameescape(env("SECOND")))
  vim.wait(10000, function()
    return #exportdb.clients(0) == 1
  end, 20)
  check("same_root_same_client", #client_ids() == 1 and exportdb.clients(0)[1].id == client.id, client_ids())

  -- :ExportDB fixall: the server applies the safe fixes through workspace/applyEdit
  vim.cmd("edit " .. vim.fn.fnameescape(env("FIXALL")))
  local fbuf = vim.api.nvim_get_current_buf()
  check("fixall_diagnostic", vim.wait(10000, function()
    return #vim.diagnostic.get(fbuf) > 0
  end, 20), vim.diagnostic.get(fbuf))
  vim.cmd("ExportDB fixall")
  local golden = vim.fn.readfile(env("FIXALL_GOLDEN"))
  check("fixall", vim.wait(10000, function()
    return vim.deep_equal(vim.api.nvim_buf_get_lines(fbuf, 0, -1, false), golden)
  end, 20), vim.api.nvim_buf_get_lines(fbuf, 0, -1, false))

  -- :ExportDB case NAME: the card from `exportdb cases NAME` in a scratch window
  vim.cmd("ExportDB case " .. want.case)
  local card = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  check("case_by_name", vim.api.nvim_buf_get_name(0):find("exportdb://case/" .. want.case, 1, true)
    and card:find(want.case, 1, true) and card:find(want.href, 1, true), card)
  vim.cmd("close")
  vim.cmd("edit " .. vim.fn.fnameescape(env("OTHER")))
  vim.wait(10000, function()
    return #exportdb.clients(0) == 1
  end, 20)
  local other = exportdb.clients(0)[1]
  check("other_root_new_client", #client_ids() == 2 and other and other.id ~= client.id
    and other.config.root_dir == vim.fn.fnamemodify(env("OTHER"), ":p:h"), client_ids())

  -- :ExportDB info lists the clients and the server's debug information
  vim.cmd("buffer " .. bufnr)
  local info
  exportdb.info(function(lines)
    info = lines
  end)
  check("info", vim.wait(5000, function()
    return info ~= nil
  end, 20) and table.concat(info, "\n"):find(proj, 1, true), info)
  result.info = info
  -- torch_version reached the server as initializationOptions.torchVersion
  check("init_options", table.concat(info, "\n"):find("torch version 2.5", 1, true), info)

  -- :checkhealth exportdb with servers running: the binary and its version, each client and
  -- what its server says, the settings; no warning, no error. The server's debugInfo answer is
  -- shown in the report only, not also as a message.
  local shown = {}
  local show_message = vim.lsp.handlers["window/showMessage"]
  vim.lsp.handlers["window/showMessage"] = function(err, res, ctx, config)
    table.insert(shown, res and res.message)
    return show_message(err, res, ctx, config)
  end
  local report = checkhealth()
  vim.lsp.handlers["window/showMessage"] = show_message
  result.checkhealth = report
  local text = table.concat(report, "\n")
  local version = vim.trim(vim.fn.system({ exportdb_bin, "version" }))
  check("checkhealth_binary", find_line(report, "OK.*" .. vim.pesc(exportdb_bin)), report)
  check("checkhealth_version", version ~= "" and find_line(report, "OK.*" .. vim.pesc(version)), { version = version })
  check("checkhealth_clients", find_line(report, "OK.*client %d+.*root " .. vim.pesc(proj)), report)
  check("checkhealth_server_says", text:find("target torch version 2.5", 1, true), report)
  check("checkhealth_settings", text:find('torchVersion = "2.5"', 1, true), report)
  check("checkhealth_code_lens", find_line(report, "OK.*code lens"), report)
  check("checkhealth_clean", not find_line(report, "WARN") and not find_line(report, "ERROR"), report)
  check("checkhealth_no_popup", #vim.tbl_filter(function(m)
    return type(m) == "string" and m:find("config files in force", 1, true)
  end, shown) == 0, shown)

  -- :ExportDB restart replaces the clients, and diagnostics come back from the new one
  vim.api.nvim_buf_set_lines(bufnr, want.line, want.line + 1, false, { line })
  check("diagnostics_again", vim.wait(10000, function()
    return #vim.diagnostic.get(bufnr) == 1
  end, 20), vim.diagnostic.get(bufnr))
  -- setup() again sends the new settings (workspace/didChangeConfiguration): ignoring the case
  -- clears the finding, dropping the option brings it back
  exportdb.setup({ cmd = { exportdb_bin, "lsp" }, torch_version = "2.5", ignore = { want.case } })
  check("settings_ignore", vim.wait(10000, function()
    return #vim.diagnostic.get(bufnr) == 0
  end, 20), vim.diagnostic.get(bufnr))
  exportdb.setup({ cmd = { exportdb_bin, "lsp" }, torch_version = "2.5" })
  check("settings_unignore", vim.wait(10000, function()
    return #vim.diagnostic.get(bufnr) == 1
  end, 20), vim.diagnostic.get(bufnr))
  vim.cmd("ExportDB restart")
  vim.wait(10000, function()
    return #client_ids() == 2 and #exportdb.clients(bufnr) == 1
  end, 20)
  local new = exportdb.clients(bufnr)[1]
  check("restart", new and new.id ~= client.id and #client_ids() == 2, client_ids())
  check("diagnostics_after_restart", vim.wait(10000, function()
    local ds = vim.diagnostic.get(bufnr)
    return #ds == 1 and ds[1].code == want.case
  end, 20), vim.diagnostic.get(bufnr))

  -- a binary that is not there: one clear message (not one per buffer), no client, and
  -- :checkhealth says what to do
  local notes = {}
  local notify = vim.notify
  vim.notify = function(msg, level)
    table.insert(notes, { msg = msg, level = level })
  end
  local missing = vim.fn.fnamemodify(proj, ":h") .. "/no-such-dir/exportdb"
  exportdb.setup({ cmd = { missing, "lsp" }, torch_version = "2.5" })
  local before = #client_ids()
  vim.cmd("edit " .. vim.fn.fnameescape(env("MISSING1")))
  vim.cmd("edit " .. vim.fn.fnameescape(env("MISSING2")))
  vim.wait(500)
  vim.notify = notify
  local errors = vim.tbl_filter(function(n)
    return n.level == vim.log.levels.ERROR and n.msg:find(missing, 1, true)
  end, notes)
  check("missing_binary_message", #errors == 1 and errors[1].msg:find("does not exist", 1, true)
    and errors[1].msg:find("go install", 1, true) and errors[1].msg:find(":checkhealth exportdb", 1, true), notes)
  check("missing_binary_no_client", #client_ids() == before and #exportdb.clients(0) == 0, client_ids())
  local sick = checkhealth()
  result.checkhealth_missing = sick
  check("checkhealth_missing", find_line(sick, "ERROR.*" .. vim.pesc(missing) .. " does not exist")
    and find_line(sick, "go install"), sick)

  result.nvim_version = vim.version()
end, debug.traceback)

if not ok then
  result.error = err
end
local f = assert(io.open(assert(os.getenv("OUT")), "w"))
f:write(vim.fn.json_encode(result))
f:close()
local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
for _, c in pairs(get_clients()) do
  c.stop()
end
vim.wait(2000, function()
  return #get_clients() == 0
end, 20)
vim.cmd(ok and "qall!" or "cquit 1")
