-- The readiness code lens ("torch.export: 1 blocker") the server puts above each nn.Module.
-- Neovim 0.12 keeps code lenses up to date itself once enabled for a buffer. Up to 0.11 it shows
-- them only when asked: attach() asks when the buffer is entered, when its diagnostics change
-- (the lens counts the same findings, so it follows every re-analysis), after insert mode and
-- after a write.
local M = {}

local group = vim.api.nvim_create_augroup("exportdb_codelens", { clear = true })

--- Asks for bufnr's code lenses; Neovim displays them.
function M.refresh(bufnr)
  if not vim.api.nvim_buf_is_loaded(bufnr) then
    return
  end
  if vim.fn.has("nvim-0.10") == 1 then
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  else
    -- up to 0.9 refresh() works on the current buffer only
    vim.api.nvim_buf_call(bufnr, function()
      vim.lsp.codelens.refresh()
    end)
  end
end

--- Keeps bufnr's code lenses up to date while client (a server with codeLensProvider) serves it.
function M.attach(client, bufnr)
  local caps = client.server_capabilities or {}
  if not caps.codeLensProvider then
    return
  end
  if type(vim.lsp.codelens.enable) == "function" then
    vim.lsp.codelens.enable(true, { bufnr = bufnr })
    return
  end
  vim.api.nvim_clear_autocmds({ group = group, buffer = bufnr })
  vim.api.nvim_create_autocmd({ "BufEnter", "DiagnosticChanged", "InsertLeave", "BufWritePost" }, {
    group = group,
    buffer = bufnr,
    desc = "exportdb: refresh the readiness code lens",
    callback = function()
      M.refresh(bufnr)
    end,
  })
  M.refresh(bufnr)
end

return M
