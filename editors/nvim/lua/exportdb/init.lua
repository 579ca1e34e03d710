-- exportdb.nvim: starts `exportdb lsp` for Python buffers and adds the :ExportDB commands.
--
--   require("exportdb").setup({ torch_version = "2.5" })
--
-- Three ways to start the server, chosen by feature detection:
--   * vim.lsp.config + vim.lsp.enable (Neovim 0.11+): the core starts and reuses clients;
--   * vim.lsp.start (0.8 - 0.10): a FileType autocmd; the core reuses a client per root;
--   * vim.lsp.start_client + vim.lsp.buf_attach_client (0.7): a FileType autocmd and our own
--     table of one client per root directory.
-- Neovim 0.11+ can also run the server without setup(): lsp/exportdb.lua and
-- vim.lsp.enable("exportdb"). A missing binary is said once (binary.lua), the readiness code
-- lens is kept up to date (codelens.lua), dynamic dims are declared by :ExportDB dims and the
-- "Declare dynamic dims…" lens (dims.lua), and :checkhealth exportdb reports (health.lua).
-- See doc/exportdb.txt (:help exportdb).
local M = {}

local binary = require("exportdb.binary")
local codelens = require("exportdb.codelens")
local dims = require("exportdb.dims")

local NAME = "exportdb"
local uv = vim.loop

local defaults = {
  cmd = { "exportdb", "lsp" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "exportdb.toml", ".git" },
  torch_version = nil, -- "2.5"; nil: the project's config file, else the server's default
  severity = nil, -- { dynamic_shape_round = "warning", list_unpack = "off" }
  select = nil, -- { "torch.dynamic-shape" }: only these cases or tags
  ignore = nil, -- { "static_for_loop" }
  log_level = nil, -- "debug" | "info" | "warn" | "error"
  log_file = nil, -- the server's log file; nil: its stderr, which lands in :ExportDB log
  code_lens = true, -- show the readiness lens above each nn.Module ("torch.export: 1 blocker")
  on_attach = nil, -- function(client, bufnr)
  capabilities = nil, -- merged over vim.lsp.protocol.make_client_capabilities()
}

--- The options in force (defaults merged with the last setup() call).
M.config = vim.deepcopy(defaults)

-- 0.7 path only: root directory -> client id. The core keeps this table itself from 0.8 on.
local clients_by_root = {}

local has_config = type(vim.lsp.config) == "table" and type(vim.lsp.enable) == "function"
local has_start = type(vim.lsp.start) == "function"

-- Client methods: called as client.fn(...) up to 0.10, as client:fn(...) from 0.11 on, where the
-- dot form is deprecated.
local method_calls = vim.fn.has("nvim-0.11") == 1
local function call(client, name, ...)
  if method_calls then
    return client[name](client, ...)
  end
  return client[name](...)
end

--- The nearest directory, from the buffer's file upwards, holding one of the markers; else the
--- file's own directory.
function M.find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local start = dir
  while true do
    for _, marker in ipairs(markers or M.config.root_markers) do
      if uv.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return start
    end
    dir = parent
  end
end

--- The server's settings, as initializationOptions and workspace/didChangeConfiguration carry
--- them. Unset options are left out so that the project's pyproject.toml / exportdb.toml decide.
function M.server_settings(cfg)
  cfg = cfg or M.config
  local settings = {
    torchVersion = cfg.torch_version,
    severity = cfg.severity,
    select = cfg.select,
    ignore = cfg.ignore,
    logLevel = cfg.log_level,
  }
  -- an empty Lua table would be sent as [], not {}
  return next(settings) and settings or vim.empty_dict()
end

--- The server's command line: cfg.cmd plus --log-level / --log-file when set.
function M.server_cmd(cfg)
  cfg = cfg or M.config
  local cmd = vim.deepcopy(cfg.cmd)
  cmd[1] = vim.fn.expand(cmd[1])
  if cfg.log_level then
    vim.list_extend(cmd, { "--log-level", cfg.log_level })
  end
  if cfg.log_file then
    vim.list_extend(cmd, { "--log-file", vim.fn.expand(cfg.log_file) })
  end
  return cmd
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  if M.config.capabilities then
    caps = vim.tbl_deep_extend("force", caps, M.config.capabilities)
  end
  return caps
end

--- How this Neovim starts the server: "vim.lsp.config", "vim.lsp.start" or "vim.lsp.start_client".
function M.start_method()
  return has_config and "vim.lsp.config" or has_start and "vim.lsp.start" or "vim.lsp.start_client"
end

local function on_attach(client, bufnr)
  if M.config.code_lens then
    codelens.attach(client, bufnr)
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

--- The client configuration for one root directory.
local function client_config(root_dir)
  return {
    name = NAME,
    cmd = M.server_cmd(),
    root_dir = root_dir,
    workspace_folders = root_dir and { { uri = vim.uri_from_fname(root_dir), name = root_dir } } or nil,
    init_options = M.server_settings(),
    capabilities = capabilities(),
    on_attach = on_attach,
    -- the dims lens's command asks for the dims before the server runs it
    commands = dims.commands,
  }
end

--- Every running exportdb client, or those attached to bufnr.
function M.clients(bufnr)
  local all = vim.lsp.get_clients and vim.lsp.get_clients({ name = NAME, bufnr = bufnr })
    or vim.lsp.get_active_clients()
  return vim.tbl_filter(function(c)
    return c.name == NAME and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, c.id))
  end, all)
end

--- Starts (or reuses) the client for bufnr's root and attaches it to bufnr.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local file = vim.api.nvim_buf_get_name(bufnr)
  if file == "" or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  if not binary.check(M.server_cmd()) then
    return nil
  end
  local root = M.find_root(file)
  if has_start then
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or call(client, "is_stopped") then
    id = vim.lsp.start_client(client_config(root))
    if not id then
      vim.notify("exportdb: could not start " .. table.concat(M.server_cmd(), " "), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function python_buffers()
  return vim.tbl_filter(function(b)
    return vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(M.config.filetypes, vim.bo[b].filetype)
  end, vim.api.nvim_list_bufs())
end

-- The client exportdb commands go to: the one attached to the current buffer.
local function current_client(quiet)
  local c = M.clients(vim.api.nvim_get_current_buf())[1]
  if not c and not quiet then
    vim.notify("exportdb: no exportdb server is attached to this buffer", vim.log.levels.WARN)
  end
  return c
end

--- workspace/executeCommand on the current buffer's client; calls on_result(err, result).
function M.execute(command, arguments, on_result)
  local client = current_client()
  if not client then
    return false
  end
  call(client, "request", "workspace/executeCommand", { command = command, arguments = arguments }, function(err, result)
    if on_result then
      on_result(err, result)
    elseif err then
      vim.notify("exportdb: " .. command .. ": " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
  end, vim.api.nvim_get_current_buf())
  return true
end

local function open_scratch(name, lines, filetype)
  vim.cmd("botright new")
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, name)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = filetype or "markdown"
  return buf
end

--- :ExportDB case [NAME]: without NAME, the server's hover card for the cursor position in a
--- floating window (else exportdb.showCase for the finding on the cursor line); with NAME, the
--- case's card from `exportdb cases NAME` in a scratch window.
function M.show_case(name)
  if name and name ~= "" then
    local out = vim.fn.systemlist({ M.server_cmd()[1], "cases", name })
    if vim.v.shell_error ~= 0 then
      vim.notify("exportdb: " .. table.concat(out, "\n"), vim.log.levels.ERROR)
      return nil
    end
    return open_scratch("exportdb://case/" .. name, out)
  end
  local client = current_client()
  if not client then
    return nil
  end
  local bufnr = vim.api.nvim_get_current_buf()
  local lnum = vim.api.nvim_win_get_cursor(0)[1] - 1
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  call(client, "request", "textDocument/hover", params, function(err, result)
    local contents = not err and result and result.contents
    local text = type(contents) == "table" and (contents.value or contents[1]) or contents
    if type(text) == "string" and text ~= "" then
      vim.lsp.util.open_floating_preview(vim.split(text, "\n", { plain = true }), "markdown",
        { focus_id = "exportdb-case", border = "rounded" })
      return
    end
    for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = lnum })) do
      if d.source == NAME and d.code then
        M.execute("exportdb.showCase", { d.code })
        return
      end
    end
    vim.notify("exportdb: no ExportDB case under the cursor", vim.log.levels.INFO)
  end, bufnr)
  return true
end

--- :ExportDB fixall: the server applies every safe fix of the buffer (exportdb.applyAllFixes
--- answers with workspace/applyEdit).
function M.fix_all()
  return M.execute("exportdb.applyAllFixes", { vim.uri_from_bufnr(vim.api.nvim_get_current_buf()) })
end

--- :ExportDB dims: asks for the dims to declare for a module of the current buffer (the class
--- at the cursor, else a choice) and writes them into the project's configuration. done(err,
--- result) is called at the end when given.
function M.declare_dims(opts, done)
  local client = current_client()
  if not client then
    return false
  end
  dims.declare(client, vim.api.nvim_get_current_buf(), opts, done)
  return true
end

--- :ExportDB restart: stops every exportdb client and starts them again for the same buffers.
function M.restart()
  local bufs = {}
  for _, c in ipairs(M.clients()) do
    for _, b in ipairs(python_buffers()) do
      if vim.lsp.buf_is_attached(b, c.id) then
        bufs[b] = true
        -- detached first (0.8+), so no request for the buffer reaches a server shutting down
        if vim.lsp.buf_detach_client then
          vim.lsp.buf_detach_client(b, c.id)
        end
      end
    end
    call(c, "stop")
  end
  clients_by_root = {}
  vim.wait(5000, function()
    return #M.clients() == 0
  end, 20)
  for b in pairs(bufs) do
    M.attach(b)
  end
end

-- exportdb.debugInfo answers with its text and also shows that text as window/showMessage. We
-- display the answer ourselves, so while such a request runs the showMessage handler holds the
-- messages of that client back; when the answer comes, every held message whose text is not the
-- answer is handled as usual. (Handlers run on the one Lua thread, so nothing slips between.)
local debug_pending = 0
local held = {}
local original_show_message

--- Sends exportdb.debugInfo to client; calls callback(err, lines).
function M.request_debug_info(client, callback)
  if debug_pending == 0 then
    original_show_message = vim.lsp.handlers["window/showMessage"]
    vim.lsp.handlers["window/showMessage"] = function(err, result, ctx, config)
      if ctx and ctx.client_id and held[ctx.client_id] then
        table.insert(held[ctx.client_id], { err, result, ctx, config })
        return
      end
      return original_show_message(err, result, ctx, config)
    end
  end
  debug_pending = debug_pending + 1
  held[client.id] = held[client.id] or {}
  local sent = call(client, "request", "workspace/executeCommand", { command = "exportdb.debugInfo", arguments = {} },
    function(err, result)
      local mine = held[client.id] or {}
      held[client.id] = nil
      debug_pending = debug_pending - 1
      local show = original_show_message
      if debug_pending == 0 then
        vim.lsp.handlers["window/showMessage"] = original_show_message
      end
      for _, m in ipairs(mine) do
        if not (m[2] and m[2].message == result) then
          show((table.unpack or unpack)(m))
        end
      end
      if err then
        callback(err.message or vim.inspect(err), nil)
      elseif type(result) == "string" then
        callback(nil, vim.split(result, "\n", { plain = true }))
      else
        callback(nil, vim.split(vim.inspect(result), "\n", { plain = true }))
      end
    end)
  if not sent then
    held[client.id] = nil
    debug_pending = debug_pending - 1
    if debug_pending == 0 then
      vim.lsp.handlers["window/showMessage"] = original_show_message
    end
    callback("the server is not running", nil)
  end
end

--- The lines of client's exportdb.debugInfo, waiting up to timeout ms; nil and an error otherwise.
function M.debug_info(client, timeout)
  local done, lines, err = false, nil, nil
  M.request_debug_info(client, function(e, l)
    done, err, lines = true, e, l
  end)
  if not vim.wait(timeout or 3000, function()
    return done
  end, 20) then
    return nil, "no answer within " .. (timeout or 3000) .. " ms"
  end
  return lines, err
end

--- :ExportDB info: the running clients and the server's exportdb.debugInfo, in a scratch window
--- or passed to on_lines.
function M.info(on_lines)
  local v = vim.version()
  local lines = { string.format("exportdb.nvim on Neovim %d.%d.%d (%s)", v.major, v.minor, v.patch, M.start_method()) }
  for _, c in ipairs(M.clients()) do
    table.insert(lines, string.format("client %d: %s", c.id, table.concat(c.config.cmd, " ")))
    table.insert(lines, "  root: " .. tostring(c.config.root_dir))
    table.insert(lines, "  position encoding: " .. tostring(c.offset_encoding))
  end
  if #M.clients() == 0 then
    table.insert(lines, "no exportdb server is running")
  end
  local show = on_lines or function(l)
    open_scratch("exportdb://info", l, "yaml")
  end
  local client = current_client(true)
  if not client then
    show(lines)
    return
  end
  M.request_debug_info(client, function(err, info)
    if err then
      table.insert(lines, "debugInfo: " .. err)
    else
      vim.list_extend(lines, info)
    end
    show(lines)
  end)
end

--- Sends the current settings to the running servers (after a second setup() call).
local function notify_settings()
  for _, c in ipairs(M.clients()) do
    call(c, "notify", "workspace/didChangeConfiguration", { settings = M.server_settings() })
  end
end

local subcommands = {
  case = function(arg)
    M.show_case(arg)
  end,
  fixall = function()
    M.fix_all()
  end,
  restart = function()
    M.restart()
  end,
  info = function()
    M.info()
  end,
  scan = function()
    M.execute("exportdb.scanWorkspace", {})
  end,
  dims = function(arg)
    M.declare_dims({ class = arg ~= "" and arg or nil })
  end,
  log = function()
    vim.cmd("split " .. vim.fn.fnameescape(M.config.log_file and vim.fn.expand(M.config.log_file)
      or vim.lsp.get_log_path()))
  end,
}

local function create_command()
  vim.api.nvim_create_user_command("ExportDB", function(opts)
    local sub, arg = opts.args:match("^%s*(%S+)%s*(.-)%s*$")
    local fn = subcommands[sub or ""]
    if not fn then
      vim.notify("usage: :ExportDB {case [NAME]|fixall|dims [CLASS]|restart|info|scan|log}", vim.log.levels.ERROR)
      return
    end
    fn(arg)
  end, {
    nargs = "+",
    desc = "ExportDB: case, fixall, dims, restart, info, scan, log",
    complete = function(lead, line)
      if line:match("^%s*%S+%s+%S+%s") then
        return {}
      end
      local names = vim.tbl_keys(subcommands)
      table.sort(names)
      return vim.tbl_filter(function(n)
        return n:sub(1, #lead) == lead
      end, names)
    end,
  })
end

--- Configures the plugin; call it again to change settings (running servers are told).
function M.setup(opts)
  local again = M._configured
  M._configured = true
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  if type(M.config.cmd) == "string" then
    M.config.cmd = { M.config.cmd, "lsp" }
  end
  create_command()
  if has_config then
    local cfg = client_config(nil)
    cfg.filetypes = M.config.filetypes
    -- a function rather than root_markers: a file outside any project gets its own directory,
    -- as on the older paths
    cfg.root_dir = function(bufnr, on_dir)
      if binary.check(M.server_cmd()) then
        on_dir(M.find_root(vim.api.nvim_buf_get_name(bufnr)))
      end
    end
    cfg.workspace_folders = nil
    vim.lsp.config(NAME, cfg)
    vim.lsp.enable(NAME)
    -- Neovim 0.12 checks cmd before root_dir runs and only logs a missing binary: say it here
    M._augroup = vim.api.nvim_create_augroup("exportdb", { clear = true })
    vim.api.nvim_create_autocmd("FileType", {
      group = M._augroup,
      pattern = M.config.filetypes,
      callback = function()
        binary.check(M.server_cmd())
      end,
    })
  else
    M._augroup = vim.api.nvim_create_augroup("exportdb", { clear = true })
    vim.api.nvim_create_autocmd("FileType", {
      group = M._augroup,
      pattern = M.config.filetypes,
      callback = function(ev)
        M.attach(ev.buf)
      end,
    })
    -- buffers opened before setup() ran
    for _, b in ipairs(python_buffers()) do
      M.attach(b)
    end
  end
  if again then
    notify_settings()
  end
end

return M
