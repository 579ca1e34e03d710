-- The exportdb binary the plugin runs: where it is, its version, and one clear message when it
-- is missing (instead of a spawn error for every Python buffer). Used by setup(), by
-- lsp/exportdb.lua (Neovim 0.11+) and by :checkhealth exportdb.
local M = {}

M.INSTALL = "go install github.com/exportdb-lsp/exportdb-lsp/cmd/exportdb@latest"

-- commands already reported as missing, so that each is said once
local reported = {}

--- The full path of cmd's binary, or nil and a message saying what is wrong and what to do.
function M.resolve(cmd)
  local bin = type(cmd) == "table" and cmd[1] or nil
  if type(bin) ~= "string" or bin == "" then
    return nil, "exportdb: cmd has no binary: " .. vim.inspect(cmd)
  end
  bin = vim.fn.expand(bin)
  if vim.fn.executable(bin) == 1 then
    return vim.fn.exepath(bin)
  end
  local why
  if not bin:find("/", 1, true) then
    why = string.format("%s is not on PATH", bin)
  elseif vim.loop.fs_stat(bin) then
    why = string.format("%s is not executable", bin)
  else
    why = string.format("%s does not exist", bin)
  end
  return nil, string.format("exportdb: the language server cannot start: %s. Install it (%s) or give its path: "
    .. 'cmd = { "/path/to/exportdb", "lsp" }. See :checkhealth exportdb', why, M.INSTALL)
end

--- The full path of cmd's binary; when it is missing, says so once (per command) and returns nil.
function M.check(cmd)
  local path, message = M.resolve(cmd)
  if not path then
    local key = table.concat(vim.tbl_map(tostring, cmd or {}), "\0")
    if not reported[key] then
      reported[key] = true
      vim.notify(message, vim.log.levels.ERROR)
    end
  end
  return path
end

--- What `PATH version` prints ("exportdb 0.2.0"), or nil and the error.
function M.version(path)
  local out = vim.fn.system({ path, "version" })
  if vim.v.shell_error ~= 0 then
    return nil, vim.trim(out)
  end
  return vim.trim(out)
end

return M
