-- The exportdb language server for Neovim 0.11+, without setup(): with this directory
-- (editors/nvim) on 'runtimepath',
--
--   vim.lsp.config("exportdb", { init_options = { torchVersion = "2.5" } }) -- optional
--   vim.lsp.enable("exportdb")
--
-- Anything given to vim.lsp.config("exportdb", ...) wins over these values. init_options (and
-- settings) carry the server's settings: torchVersion, severity, select, ignore, logLevel.
-- Besides starting the server it says once, clearly, when the binary is missing (instead of a
-- spawn error per buffer) and keeps the readiness code lens shown (vim.g.exportdb_code_lens =
-- false turns that off). Both work without on_attach, so a vim.lsp.config("*", { on_attach })
-- of yours is not replaced.

local group = vim.api.nvim_create_augroup("exportdb_lsp_config", { clear = true })

-- LspAttach rather than on_attach (see above); the group makes this idempotent when Neovim
-- evaluates the file again.
vim.api.nvim_create_autocmd("LspAttach", {
  group = group,
  desc = "exportdb: show the readiness code lens",
  callback = function(ev)
    local client = vim.lsp.get_client_by_id(ev.data.client_id)
    if client and client.name == "exportdb" and vim.g.exportdb_code_lens ~= false then
      require("exportdb.codelens").attach(client, ev.buf)
    end
  end,
})

-- The missing binary: Neovim 0.12 checks cmd before root_dir runs and only logs the failure in
-- its LSP log, so the check runs on FileType too, for enabled configs only. This file is read
-- when the first buffer asks for the server, during that buffer's FileType: hence the scheduled
-- check for it.
local function check_binary(filetype)
  local enabled = vim.lsp.is_enabled and vim.lsp.is_enabled("exportdb")
    or (vim.lsp._enabled_configs or {}).exportdb ~= nil
  local config = enabled and vim.lsp.config.exportdb
  if type(config) == "table" and type(config.cmd) == "table"
    and (filetype == nil or vim.tbl_contains(config.filetypes or {}, filetype)) then
    require("exportdb.binary").check(config.cmd)
  end
end
vim.api.nvim_create_autocmd("FileType", {
  group = group,
  desc = "exportdb: say once when the server binary is missing",
  callback = function(ev)
    check_binary(ev.match)
  end,
})
vim.schedule(function()
  check_binary(vim.bo.filetype)
end)

return {
  cmd = { "exportdb", "lsp" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "exportdb.toml", ".git" },
  -- the "Declare dynamic dims…" lens asks for the dims before the server runs its command
  commands = require("exportdb.dims").commands,
  -- The nearest directory with a root marker, else the file's own directory (a lone script gets
  -- a server too); nothing when the binary is missing, after saying so once.
  root_dir = function(bufnr, on_dir)
    local config = vim.lsp.config.exportdb or {}
    if type(config.cmd) == "table" and not require("exportdb.binary").check(config.cmd) then
      return
    end
    on_dir(require("exportdb").find_root(vim.api.nvim_buf_get_name(bufnr), config.root_markers))
  end,
}
