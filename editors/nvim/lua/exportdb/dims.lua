-- Declaring dynamic dims for a module exported elsewhere (:ExportDB dims, and the code lens
-- "Declare dynamic dims…" above a model's forward). The server says what there is to ask
-- (exportdb/dimsInfo: the module classes, their forward's tensor inputs and ranks, what is
-- declared, the configuration file it writes); vim.ui.select and vim.ui.input ask for the
-- class, the input, the axis, the dim's name and its range; the server's exportdb.declareDims
-- command writes the dynamic-shapes entry through workspace/applyEdit. The edited
-- configuration file is then saved and the server told (workspace/didChangeWatchedFiles:
-- Neovim before 0.9 does not watch files), so the open buffers are analysed again with it.
local M = {}

local COMMAND = "exportdb.declareDims"

-- Client methods: client.fn(...) up to 0.10, client:fn(...) from 0.11 on.
local method_calls = vim.fn.has("nvim-0.11") == 1
local function call(client, name, ...)
  if method_calls then
    return client[name](client, ...)
  end
  return client[name](...)
end

local function notify(msg, level)
  vim.notify("exportdb: " .. msg, level or vim.log.levels.INFO)
end

--- Reads a range typed as "min..max", "min..", "..max" or "" (none); returns min, max (nil
--- when absent) or nil, nil, an error.
function M.parse_range(text)
  text = vim.trim(text or "")
  if text == "" then
    return nil, nil
  end
  local lo, hi = text:match("^(%d*)%s*%.%.%s*(%d*)$")
  if not lo or (lo == "" and hi == "") then
    return nil, nil, string.format("%q is not a range: write min..max, min.. or ..max (32..1024)", text)
  end
  local min, max = tonumber(lo), tonumber(hi)
  if min and max and min > max then
    return nil, nil, string.format("min %d is above max %d", min, max)
  end
  return min, max
end

--- A name to offer for an axis: the declared one, else what vision and sequence models call it.
function M.suggest(param, axis)
  local declared = param.axes and param.axes[tostring(axis)]
  if declared then
    return (declared:match("^(%S+)"))
  end
  if axis == 0 then
    return "batch"
  end
  if param.rank == 4 and axis == 2 then
    return "h"
  end
  if param.rank == 4 and axis == 3 then
    return "w"
  end
  if param.rank == 3 and axis == 1 then
    return "seq"
  end
  return ""
end

-- The axis value the command takes: a name, or { dim, min, max }.
local function axis_value(name, min, max)
  if min == nil and max == nil then
    return name
  end
  return { dim = name, min = min, max = max }
end

local function select(items, opts, on_choice)
  if #items == 1 and not opts.always then
    on_choice(items[1])
    return
  end
  vim.ui.select(items, opts, function(item)
    if item ~= nil then
      on_choice(item)
    end
  end)
end

local function input(opts, on_text)
  vim.ui.input(opts, function(text)
    if text ~= nil then
      on_text(text)
    end
  end)
end

--- Writes the buffer of path if it has changes (the server edits the file as it is on disk).
local function write_if_modified(path)
  local buf = vim.fn.bufnr(path)
  if buf > 0 and vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].modified then
    vim.api.nvim_buf_call(buf, function()
      vim.cmd("silent write")
    end)
  end
end

--- Runs the command with complete arguments, then saves the configuration file and tells the
--- server; done(err, result) when given.
function M.execute(client, bufnr, args, done)
  local info_file = args._config
  args._config = nil
  if info_file then
    write_if_modified(info_file)
  end
  call(client, "request", "workspace/executeCommand", { command = COMMAND, arguments = { args } }, function(err, result)
    if err then
      notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
      if done then
        done(err.message or vim.inspect(err))
      end
      return
    end
    local file = vim.uri_to_fname(result.uri)
    local buf = vim.fn.bufnr(file)
    if result.created and buf > 0 and vim.api.nvim_buf_is_loaded(buf) then
      -- the new buffer's one empty line follows the inserted text: the file ends with the text
      local n = vim.api.nvim_buf_line_count(buf)
      if n > 1 and vim.api.nvim_buf_get_lines(buf, n - 1, n, false)[1] == "" then
        vim.api.nvim_buf_set_lines(buf, n - 1, n, false, {})
      end
    end
    write_if_modified(file)
    call(client, "notify", "workspace/didChangeWatchedFiles",
      { changes = { { uri = result.uri, type = result.created and 1 or 2 } } })
    local axes = {}
    for axis, v in pairs(args.axes) do
      table.insert(axes, string.format("%s[%s]=%s", args.parameter, axis, type(v) == "table" and v.dim or v))
    end
    table.sort(axes)
    notify(string.format("declared %s in %s", table.concat(axes, ", "), vim.fn.fnamemodify(file, ":~:.")))
    if done then
      done(nil, result)
    end
  end, bufnr)
end

--- Asks for the dims to declare and declares them. opts.class (a class name, qualified or
--- not) skips the class question; else the class at the cursor, else a choice. done(err,
--- result) is called at the end when given (tests).
function M.declare(client, bufnr, opts, done)
  opts = opts or {}
  local fail = function(msg)
    notify(msg, vim.log.levels.ERROR)
    if done then
      done(msg)
    end
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = vim.api.nvim_get_current_buf() == bufnr and vim.lsp.util.make_position_params(0, client.offset_encoding).position or nil,
  }
  call(client, "request", "exportdb/dimsInfo", params, function(err, info)
    if err then
      return fail(err.message or vim.inspect(err))
    end
    if info.configError then
      return fail("the configuration cannot take the entry: " .. info.configError)
    end
    local classes = info.classes or {}
    if #classes == 0 then
      return fail("this file defines no nn.Module class")
    end
    local wanted = opts.class or info.class
    local chosen
    for _, c in ipairs(classes) do
      if wanted and (c.qualified == wanted or c.name == wanted) then
        chosen = c
      end
    end
    if opts.class and not chosen then
      return fail(string.format("class %s is not defined in this file", opts.class))
    end
    local function with_class(class)
      if class.error then
        return fail(class.error)
      end
      local tensors = vim.tbl_filter(function(p)
        return p.tensor
      end, class.params)
      if #tensors == 0 then
        return fail(string.format("%s takes no tensor input", class.forward))
      end
      select(tensors, {
        prompt = string.format("Input of %s:", class.forward),
        format_item = function(p)
          return p.rank >= 0 and string.format("%s (%d dims)", p.name, p.rank) or p.name
        end,
      }, function(param)
        local function with_axis(axis)
          input({ prompt = string.format("Dim of %s[%d] (a name, static, auto or dynamic): ", param.name, axis),
            default = M.suggest(param, axis) }, function(name)
            name = vim.trim(name)
            if name == "" then
              return fail("no dim name given")
            end
            local args = { uri = params.textDocument.uri, class = class.qualified, parameter = param.name,
              axes = {}, _config = info.configFile }
            if name == "static" or name == "auto" or name == "dynamic" then
              args.axes[tostring(axis)] = name
              return M.execute(client, bufnr, args, done)
            end
            input({ prompt = string.format("Range of %s as min..max (empty: none): ", name) }, function(text)
              local min, max, rerr = M.parse_range(text)
              if rerr then
                return fail(rerr)
              end
              args.axes[tostring(axis)] = axis_value(name, min, max)
              M.execute(client, bufnr, args, done)
            end)
          end)
        end
        if param.rank >= 0 then
          local axes = {}
          for a = 0, param.rank - 1 do
            table.insert(axes, a)
          end
          select(axes, {
            always = true,
            prompt = string.format("Axis of %s:", param.name),
            format_item = function(a)
              local d = param.axes[tostring(a)]
              return d and string.format("%d (now %s)", a, d) or tostring(a)
            end,
          }, with_axis)
        else
          input({ prompt = string.format("Axis of %s (from 0): ", param.name) }, function(text)
            local a = tonumber(vim.trim(text))
            if not a or a ~= math.floor(a) or a < 0 then
              return fail(string.format("%q is not an axis: give a dimension index from 0", text))
            end
            with_axis(a)
          end)
        end
      end)
    end
    if chosen then
      with_class(chosen)
    else
      select(classes, { prompt = "Declare dims of:", format_item = function(c)
        return c.qualified
      end }, with_class)
    end
  end, bufnr)
end

--- The code lens's command (client.commands): the lens passes the class.
function M.lens_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local args = command.arguments and command.arguments[1] or {}
  if client then
    M.declare(client, ctx.bufnr, { class = args.class })
  end
end

--- Client-side command handlers to give vim.lsp.start_client / vim.lsp.config.
M.commands = {
  [COMMAND] = function(command, ctx)
    M.lens_command(command, ctx)
  end,
}

return M
