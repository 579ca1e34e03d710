-- Neovim 0.11+ without our setup(): nvim/lsp/exportdb.lua through vim.lsp.config and
-- vim.lsp.enable, as its header says, against the real `exportdb lsp`. Run by run-editors.sh for
-- each NVIM_EXTRA Neovim 0.11 or later (same environment as nvim-test.lua):
--   the server starts for a Python buffer with the project root, the user's init_options reach it
--   (torch 2.5 in exportdb.debugInfo), the diagnostic, the code lens shown and refreshed after a
--   fix, a vim.lsp.config("*", { on_attach }) of the user still runs, :checkhealth exportdb; then
--   a binary that is not there: one message for two buffers, no client.
local result = { steps = {} }
local t0 = vim.uv.hrtime()

local function check(name, cond, detail)
  table.insert(result.steps, { name = name, ok = cond and true or false, detail = detail,
    ms = math.floor((vim.uv.hrtime() - t0) / 1e6) })
  if not cond then
    error("FAILED: " .. name .. " " .. vim.inspect(detail))
  end
end

local function env(k)
  local v = os.getenv(k)
  assert(v, k .. " unset")
  return v
end

-- code lens texts in bufnr, as nvim-test.lua reads them (0.12 draws them as virtual lines)
local function lens_texts(bufnr)
  vim.cmd("redraw")
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

local function clients(bufnr)
  return vim.lsp.get_clients({ name = "exportdb", bufnr = bufnr })
end

local ok, err = xpcall(function()
  local want = vim.json.decode(table.concat(vim.fn.readfile(env("EXPECT")), "\n"))
  local exportdb_bin, proj, pyfile = env("EXPORTDB"), env("PROJ"), env("PYFILE")
  vim.opt.runtimepath:prepend(env("PLUGIN"))
  vim.cmd("filetype on")

  local attached_by_user = {}
  vim.lsp.config("*", { on_attach = function(_, bufnr)
    attached_by_user[bufnr] = true
  end })
  vim.lsp.config("exportdb", { cmd = { exportdb_bin, "lsp" }, init_options = { torchVersion = "2.5" } })
  vim.lsp.enable("exportdb")

  vim.cmd("edit " .. vim.fn.fnameescape(pyfile))
  local bufnr = vim.api.nvim_get_current_buf()
  check("attached", vim.wait(10000, function()
    return #clients(bufnr) == 1
  end, 20), #clients(bufnr))
  local client = clients(bufnr)[1]
  check("root_dir", client.config.root_dir == proj, { got = client.config.root_dir, want = proj })
  check("user_on_attach", vim.wait(5000, function()
    return attached_by_user[bufnr]
  end, 20), attached_by_user)
  check("diagnostics", vim.wait(10000, function()
    local ds = vim.diagnostic.get(bufnr)
    return #ds == 1 and ds[1].code == want.case
  end, 20), vim.diagnostic.get(bufnr))

  local class_line = 3
  check("code_lens", vim.wait(10000, function()
    return has_lens(bufnr, class_line, want.code_lens)
  end, 50), lens_texts(bufnr))

  -- apply the quick fix; the lens follows
  local line = vim.api.nvim_buf_get_lines(bufnr, want.line, want.line + 1, false)[1]
  local s = line:find(want.span, 1, true) - 1
  vim.api.nvim_win_set_cursor(0, { want.line + 1, s + 2 })
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = vim.tbl_map(function(d)
    return d.user_data.lsp
  end, vim.diagnostic.get(bufnr)) }
  local res = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 5000)
  local fix
  for _, a in ipairs(res and res[client.id] and res[client.id].result or {}) do
    if a.kind == "quickfix" and a.title:find(want.fix_title_contains, 1, true) then
      fix = fix or a
    end
  end
  check("quick_fix", fix, res)
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  check("code_lens_refreshed", vim.wait(10000, function()
    return has_lens(bufnr, class_line, want.code_lens_fixed)
  end, 50), lens_texts(bufnr))

  -- :checkhealth exportdb without setup(): the command comes from vim.lsp.config
  vim.cmd("checkhealth exportdb")
  local report = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  result.checkhealth = report
  local text = table.concat(report, "\n")
  check("checkhealth_lsp_enable", text:find("vim.lsp.enable", 1, true) and text:find("cmd from vim.lsp.config", 1, true), report)
  check("checkhealth_settings", text:find('(from vim.lsp.config): { torchVersion = "2.5" }', 1, true), report)
  check("checkhealth_server_says", text:find("target torch version 2.5", 1, true), report)
  check("checkhealth_clean", not text:find("WARNING", 1, true) and not text:find("ERROR", 1, true), report)
  vim.cmd("bwipeout!")

  -- a binary that is not there: one message for two buffers, no client
  vim.lsp.enable("exportdb", false)
  local notes = {}
  vim.notify = function(msg, level)
    table.insert(notes, { msg = msg, level = level })
  end
  local missing = vim.fn.fnamemodify(proj, ":h") .. "/no-such-dir/exportdb"
  vim.lsp.config("exportdb", { cmd = { missing, "lsp" } })
  vim.lsp.enable("exportdb")
  vim.cmd("edit " .. vim.fn.fnameescape(env("MISSING1")))
  local m1 = vim.api.nvim_get_current_buf()
  vim.cmd("edit " .. vim.fn.fnameescape(env("MISSING2")))
  vim.wait(500)
  local errors = vim.tbl_filter(function(n)
    return n.level == vim.log.levels.ERROR and n.msg:find(missing, 1, true)
  end, notes)
  check("missing_binary_message", #errors == 1 and errors[1].msg:find("does not exist", 1, true), notes)
  check("missing_binary_no_client", #clients(m1) == 0 and #clients(0) == 0, #clients(0))
  result.nvim_version = tostring(vim.version())
end, debug.traceback)

if not ok then
  result.error = err
end
local f = assert(io.open(assert(os.getenv("OUT")), "w"))
f:write(vim.json.encode(result))
f:close()
for _, c in ipairs(vim.lsp.get_clients()) do
  c:stop()
end
vim.wait(2000, function()
  return #vim.lsp.get_clients() == 0
end, 20)
vim.cmd(ok and "qall!" or "cquit 1")
