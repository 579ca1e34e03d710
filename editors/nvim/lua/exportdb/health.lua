-- :checkhealth exportdb: the plugin's setup, the server binary and its version, the running
-- servers (with what each says about itself: exportdb.debugInfo) and the configuration sent.
local M = {}

-- vim.health.start/ok/... from 0.9 (0.8: vim.health.report_*), require("health").report_* in 0.7
local health = vim.health or require("health")
local report = {
  start = health.start or health.report_start,
  ok = health.ok or health.report_ok,
  info = health.info or health.report_info,
  warn = health.warn or health.report_warn,
  error = health.error or health.report_error,
}

local function flat(v)
  return vim.inspect(v, { newline = " ", indent = "" })
end

--- What the server is started with: setup()'s options, else (0.11+ with lsp/exportdb.lua and
--- vim.lsp.enable) what vim.lsp.config holds, else the defaults.
local function in_force(exportdb)
  if exportdb._configured then
    return {
      from = "setup()",
      cmd = exportdb.server_cmd(),
      settings = exportdb.server_settings(),
      root_markers = exportdb.config.root_markers,
      code_lens = exportdb.config.code_lens,
    }
  end
  local ok, cfg = pcall(function()
    return vim.lsp.config and vim.lsp.config.exportdb
  end)
  if ok and type(cfg) == "table" then
    return {
      from = "vim.lsp.config",
      cmd = cfg.cmd,
      settings = cfg.init_options or cfg.settings or vim.empty_dict(),
      root_markers = cfg.root_markers,
      code_lens = vim.g.exportdb_code_lens ~= false,
    }
  end
  return {
    from = "the defaults",
    cmd = exportdb.server_cmd(),
    settings = exportdb.server_settings(),
    root_markers = exportdb.config.root_markers,
    code_lens = exportdb.config.code_lens,
  }
end

local function check_plugin(exportdb)
  report.start("exportdb.nvim")
  local v = vim.version()
  report.ok(string.format("Neovim %d.%d.%d: the server starts through %s", v.major, v.minor, v.patch, exportdb.start_method()))
  if exportdb._configured then
    report.ok("setup() was called")
  elseif vim.fn.has("nvim-0.11") == 1 then
    report.info('setup() was not called: with vim.lsp.enable("exportdb") the server is configured by lsp/exportdb.lua')
  else
    report.warn("setup() was not called, so no server starts", { 'Call require("exportdb").setup({}) in your init.lua' })
  end
  if vim.g.did_load_filetypes == nil then
    report.warn("filetype detection is off: Python buffers get no filetype, so the server never starts",
      { "Add `filetype on` (or `filetype plugin indent on`) to your configuration" })
  end
end

--- Returns the binary's path, or nil.
local function check_binary(used, binary)
  report.start("exportdb binary")
  local cmd, from = used.cmd, used.from
  if type(cmd) == "function" then
    report.info("cmd (from " .. from .. ") is a function: not checked")
    return nil
  end
  local path, message = binary.resolve(cmd)
  if not path then
    report.error((message:gsub("%. See :checkhealth exportdb$", ".")), {
      "Install it: " .. binary.INSTALL,
      'Or give its full path: require("exportdb").setup({ cmd = { "/path/to/exportdb", "lsp" } })',
    })
    return nil
  end
  report.ok(string.format("%s (cmd from %s: %s)", path, from, flat(cmd)))
  local version, err = binary.version(path)
  if version then
    report.ok(version)
  else
    report.error(string.format("`%s version` failed: %s", path, err), { "Reinstall it: " .. binary.INSTALL })
  end
  return path
end

local function check_servers(exportdb)
  report.start("exportdb servers")
  local clients = exportdb.clients()
  local python = vim.tbl_filter(function(b)
    return vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(exportdb.config.filetypes, vim.bo[b].filetype)
  end, vim.api.nvim_list_bufs())
  if #clients == 0 then
    if #python > 0 then
      report.warn(string.format("%d Python buffer(s) open, but no exportdb server runs", #python),
        { "See the binary check above, then :ExportDB log" })
    else
      report.info("no exportdb server runs yet: one starts when a Python buffer is opened")
    end
  end
  for _, c in ipairs(clients) do
    local attached = vim.tbl_filter(function(b)
      return vim.lsp.buf_is_attached(b, c.id)
    end, python)
    local version = c.server_info and c.server_info.version
    report.ok(string.format("client %d%s: root %s, %d buffer(s), position encoding %s", c.id,
      version and (" (exportdb " .. version .. ")") or "", tostring(c.config.root_dir), #attached, tostring(c.offset_encoding)))
    local lines, err = exportdb.debug_info(c, 3000)
    if lines then
      report.info("the server says:\n" .. table.concat(lines, "\n"))
    else
      report.warn("exportdb.debugInfo: " .. tostring(err))
    end
  end
  for _, b in ipairs(python) do
    local n = #exportdb.clients(b)
    if n > 1 then
      report.warn(string.format("buffer %d (%s) has %d exportdb clients", b, vim.api.nvim_buf_get_name(b), n),
        { "Start the server one way only: setup(), vim.lsp.enable(\"exportdb\") or nvim-lspconfig" })
    end
  end
end

local function check_config(used)
  report.start("exportdb configuration")
  report.info(string.format("settings sent to the server (from %s): %s", used.from, flat(used.settings)))
  report.info("root markers: " .. flat(used.root_markers) .. "; the server also reads [tool.exportdb] in"
    .. " pyproject.toml or exportdb.toml next to each file and above it (see \"config files in force\" above)")
  if not used.code_lens then
    report.info("code lens: off")
  elseif type(vim.lsp.codelens.enable) == "function" then
    report.ok("code lens: on (vim.lsp.codelens.enable for each buffer the server attaches to)")
  else
    report.ok("code lens: on, refreshed on BufEnter, DiagnosticChanged, InsertLeave and BufWritePost")
  end
end

function M.check()
  local exportdb = require("exportdb")
  local binary = require("exportdb.binary")
  local used = in_force(exportdb)
  check_plugin(exportdb)
  check_binary(used, binary)
  check_servers(exportdb)
  check_config(used)
end

return M
