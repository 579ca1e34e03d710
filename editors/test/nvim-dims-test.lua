-- Headless Neovim (Debian's 0.7.2) end-to-end test of declaring dynamic dims with OUR plugin
-- (editors/nvim) against the real `exportdb lsp`, on fixtures/dims (a model package whose
-- pyproject.toml has a [tool.exportdb] table between other tables, with comments):
--   * the "Declare dynamic dims…" lens above forward, and the hover on H saying nothing declares
--     Model's dims;
--   * running the lens (vim.lsp.codelens.run) asks, through vim.ui.select / vim.ui.input
--     (stubbed with scripted answers), for the input, the axis, the dim and its range; the
--     server's edit lands in pyproject.toml, which the plugin saves; the configuration reload
--     re-analyses the model: the hover says dynamic "h" 32..1024 and the lens shows the dims;
--   * :ExportDB dims adds a second axis (the offered name is "batch"), giving exactly
--     fixtures/dims/pyproject.expect.toml;
--   * bad input: a bad range and an unknown class are clear messages, the file untouched;
--   * a project without configuration (requirements.txt only) gets a new exportdb.toml.
-- Run by run-editors.sh:
--   EXPORTDB=bin PLUGIN=editors/nvim FIXTURES=editors/test/fixtures WORK=dir OUT=result.json \
--   nvim --headless -u NONE -i NONE -n -c 'luafile nvim-dims-test.lua'
local result = { steps = {} }
local t0 = vim.loop.hrtime()

local function check(name, cond, detail)
  table.insert(result.steps, { name = name, ok = cond and true or false, detail = detail,
    ms = math.floor((vim.loop.hrtime() - t0) / 1e6) })
  if not cond then
    error("FAILED: " .. name .. " " .. vim.inspect(detail))
  end
end

local function env(k)
  local v = os.getenv(k)
  assert(v, k .. " unset")
  return v
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- the lens texts Neovim displays on a line of bufnr
local function lens_texts(bufnr, line)
  vim.cmd("redraw")
  local out = {}
  for name, ns in pairs(vim.api.nvim_get_namespaces()) do
    if name:find("codelens", 1, true) then
      for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, { line, 0 }, { line, -1 }, { details = true })) do
        local chunks = {}
        for _, c in ipairs(m[4].virt_text or {}) do
          table.insert(chunks, c[1])
        end
        for _, l in ipairs(m[4].virt_lines or {}) do
          for _, c in ipairs(l) do
            table.insert(chunks, c[1])
          end
        end
        table.insert(out, vim.trim(table.concat(chunks)))
      end
    end
  end
  return table.concat(out, " | ")
end

local function hover(client, bufnr, row, col)
  vim.api.nvim_win_set_cursor(0, { row + 1, col })
  local res = vim.lsp.buf_request_sync(bufnr, "textDocument/hover",
    vim.lsp.util.make_position_params(0, client.offset_encoding), 5000)
  local h = res and res[client.id] and res[client.id].result
  return h and (h.contents.value or h.contents) or ""
end

-- scripted answers for vim.ui.select (matched against the shown item text) and vim.ui.input
local selects, inputs, asked = {}, {}, {}
vim.ui.select = function(items, opts, on_choice)
  local want = table.remove(selects, 1)
  local shown, pick = {}, nil
  for _, it in ipairs(items) do
    local text = opts.format_item and opts.format_item(it) or tostring(it)
    table.insert(shown, text)
    if pick == nil and want and text:find(want, 1, true) == 1 then
      pick = it
    end
  end
  table.insert(asked, { kind = "select", prompt = opts.prompt, items = shown, picked = pick ~= nil, wanted = want })
  on_choice(pick)
end
vim.ui.input = function(opts, on_confirm)
  local answer = table.remove(inputs, 1)
  if answer == "<default>" then
    answer = opts.default
  end
  table.insert(asked, { kind = "input", prompt = opts.prompt, default = opts.default, answer = answer })
  on_confirm(answer)
end

local notes = {}
local notify = vim.notify
vim.notify = function(msg, level)
  table.insert(notes, { msg = msg, level = level })
  return notify(msg, level)
end
local function last_error()
  for i = #notes, 1, -1 do
    if notes[i].level == vim.log.levels.ERROR then
      return notes[i].msg
    end
  end
end

local ok, err = xpcall(function()
  local bin, fixtures, work = env("EXPORTDB"), env("FIXTURES"), env("WORK")
  local proj = work .. "/dims"
  for _, f in ipairs({ "pyproject.toml", "vit/__init__.py", "vit/model.py" }) do
    write(proj .. "/" .. f, read(fixtures .. "/dims/" .. f))
  end
  local pyproject = proj .. "/pyproject.toml"

  vim.opt.runtimepath:prepend(env("PLUGIN"))
  vim.cmd("filetype on")
  local exportdb = require("exportdb")
  exportdb.setup({ cmd = { bin, "lsp" } })

  vim.cmd("edit " .. vim.fn.fnameescape(proj .. "/vit/model.py"))
  local bufnr = vim.api.nvim_get_current_buf()
  check("attached", vim.wait(10000, function()
    return #exportdb.clients(bufnr) == 1
  end, 20), #exportdb.clients(bufnr))
  local client = exportdb.clients(bufnr)[1]
  check("diagnostics", vim.wait(10000, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 20), vim.diagnostic.get(bufnr))

  local fwd_line, h_line = 9, 10 -- "    def forward(self, x, mask):", "        B, C, H, W = x.shape"
  local h_col = vim.api.nvim_buf_get_lines(bufnr, h_line, h_line + 1, false)[1]:find("H", 1, true) - 1
  check("declare_lens", vim.wait(10000, function()
    return lens_texts(bufnr, fwd_line):find("Declare dynamic dims…", 1, true) ~= nil
  end, 20), lens_texts(bufnr, fwd_line))
  local h = hover(client, bufnr, h_line, h_col)
  check("hover_undeclared", h:find("no export call or configuration declares the dims of `Model`", 1, true)
    and h:find('[tool.exportdb.dynamic-shapes."vit.model.Model"]', 1, true), h)

  -- the lens: input x (of x and mask), axis 2, dim h, range 32..1024
  selects = { "x (4 dims)", "2" }
  inputs = { "h", "32..1024" }
  vim.api.nvim_win_set_cursor(0, { fwd_line + 1, 8 })
  vim.lsp.codelens.run()
  check("lens_saved", vim.wait(10000, function()
    local text = read(pyproject)
    return text and text:find('x = { 2 = { dim = "h", min = 32, max = 1024 } }', 1, true) ~= nil
  end, 20), { file = read(pyproject), asked = asked, notes = notes })
  result.asked_lens = asked
  check("asked_input", asked[1] and asked[1].kind == "select" and vim.deep_equal(asked[1].items, { "x (4 dims)", "mask" }), asked)
  check("asked_axis", asked[2] and vim.deep_equal(asked[2].items, { "0", "1", "2", "3" }), asked)
  check("asked_dim", asked[3] and asked[3].kind == "input" and asked[3].prompt:find("x[2]", 1, true) and asked[3].default == "h", asked)
  check("buffer_saved", not vim.bo[vim.fn.bufnr(pyproject)].modified, vim.fn.bufnr(pyproject))

  -- the configuration reload re-analyses the model: the hover and the lens show the dims
  check("hover_declared", vim.wait(10000, function()
    h = hover(client, bufnr, h_line, h_col)
    return h:find('`H`: dynamic "h" 32..1024, declared in pyproject.toml', 1, true) ~= nil
  end, 50), h)
  check("lens_declared", vim.wait(10000, function()
    return lens_texts(bufnr, fwd_line):find("dims: x[2]=h (pyproject.toml)", 1, true) ~= nil
  end, 20), lens_texts(bufnr, fwd_line))

  -- :ExportDB dims: the class at the cursor; axis 0 with the name offered ("batch"), no range
  asked = {}
  selects = { "x", "0" }
  inputs = { "<default>", "" }
  vim.api.nvim_win_set_cursor(0, { h_line + 1, h_col })
  vim.cmd("ExportDB dims")
  local want = read(fixtures .. "/dims/pyproject.expect.toml")
  check("command_saved", vim.wait(10000, function()
    return read(pyproject) == want
  end, 20), { got = read(pyproject), want = want, asked = asked, notes = notes })
  check("offered_batch", asked[3] and asked[3].default == "batch", asked)
  check("axis_shows_declared", asked[2] and vim.tbl_contains(asked[2].items, "2 (now h 32..1024)"), asked)
  check("lens_two_axes", vim.wait(10000, function()
    return lens_texts(bufnr, fwd_line):find("dims: x[0]=batch, x[2]=h (pyproject.toml)", 1, true) ~= nil
  end, 20), lens_texts(bufnr, fwd_line))

  -- bad input: a range below its min, an unknown class; the file stays as it is
  local errors_before = #notes
  selects = { "x", "3" }
  inputs = { "w", "9..3" }
  vim.cmd("ExportDB dims")
  check("bad_range", vim.wait(5000, function()
    return #notes > errors_before and (last_error() or ""):find("min 9 is above max 3", 1, true)
  end, 20), notes)
  local done = false
  exportdb.declare_dims({ class = "Nope" }, function()
    done = true
  end)
  check("unknown_class", vim.wait(5000, function()
    return done
  end, 20) and (last_error() or ""):find("class Nope is not defined", 1, true), notes)
  check("file_untouched", read(pyproject) == want, read(pyproject))

  -- a project without configuration: a new exportdb.toml
  local lone = work .. "/lone"
  write(lone .. "/requirements.txt", "torch==2.5.1\n")
  write(lone .. "/.git/HEAD", "ref: refs/heads/main\n") -- the project root for the plugin
  write(lone .. "/vit/__init__.py", "")
  write(lone .. "/vit/model.py", read(fixtures .. "/dims/vit/model.py"))
  vim.cmd("edit " .. vim.fn.fnameescape(lone .. "/vit/model.py"))
  local lbuf = vim.api.nvim_get_current_buf()
  check("lone_attached", vim.wait(10000, function()
    return #exportdb.clients(lbuf) == 1 and #vim.diagnostic.get(lbuf) > 0
  end, 20), #exportdb.clients(lbuf))
  selects = { "x", "0" }
  inputs = { "batch", "1..64" }
  done = false
  vim.api.nvim_win_set_cursor(0, { h_line + 1, h_col })
  exportdb.declare_dims(nil, function()
    done = true
  end)
  check("created", vim.wait(10000, function()
    return done and read(lone .. "/exportdb.toml") == '[dynamic-shapes."vit.model.Model"]\nx = { 0 = { dim = "batch", min = 1, max = 64 } }\n'
  end, 20), { file = read(lone .. "/exportdb.toml"), notes = notes })
  local lclient = exportdb.clients(lbuf)[1]
  check("created_reloaded", vim.wait(10000, function()
    h = hover(lclient, lbuf, h_line, 8)
    return h:find('`B`: dynamic "batch" 1..64, declared in exportdb.toml', 1, true) ~= nil
  end, 50), h)

  result.nvim_version = vim.version()
end, debug.traceback)

if not ok then
  result.error = err
end
result.notes = notes
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
