" Vim 9 + ALE (Debian vim-ale) against the real `exportdb lsp`, configured by SNIPPET: the ALE
" snippet extracted verbatim from editors/nvim/README.md. `exportdb` must be on PATH.
" Usage: SNIPPET=... PYFILE=... EXPECT=fixtures/pool.expect.json OUT=... \
"          vim -N -u NONE -i NONE -es -S vim-ale-test.vim
" In -es mode jobs, channels and timers still run.
set nocompatible
" Debian's vim-ale is an optional package; a user's plugin manager does this part.
packadd ale
filetype plugin on
let g:ale_enabled = 1
let g:ale_lint_on_enter = 1
let g:ale_hover_to_preview = 1
let g:ale_set_signs = 0
execute 'source' fnameescape($SNIPPET)

let s:res = []
function! s:Check(name, ok, detail) abort
  call add(s:res, {'name': a:name, 'ok': a:ok ? v:true : v:false, 'detail': a:detail})
  if !a:ok | throw 'FAILED: ' . a:name . ' ' . string(a:detail) | endif
endfunction
function! s:Wait(expr, ms) abort
  let l:t = 0
  while !eval(a:expr) && l:t < a:ms
    sleep 20m | let l:t += 20
  endwhile
  return eval(a:expr)
endfunction
function! s:Loclist() abort
  return get(get(g:ale_buffer_info, bufnr(''), {}), 'loclist', [])
endfunction

let s:want = json_decode(join(readfile($EXPECT), "\n"))
let s:code = 0
try
  execute 'edit' fnameescape($PYFILE)
  call s:Check('filetype', &filetype is# 'python', &filetype)
  call ale#Queue(0)
  " diagnostics: one, the expected case, on the span of the fixture line
  call s:Check('diagnostics', s:Wait('!empty(s:Loclist())', 10000), s:Loclist())
  let s:items = s:Loclist()
  let s:lnum = s:want.line + 1
  let s:col = stridx(getline(s:lnum), s:want.span) + 1
  let s:d = s:items[0]
  call s:Check('one_diagnostic', len(s:items) == 1, s:items)
  call s:Check('diagnostic_linter', s:d.linter_name is# 'exportdb', s:d)
  call s:Check('diagnostic_code', get(s:d, 'code', '') is# s:want.case, s:d)
  call s:Check('diagnostic_severity', s:d.type is# 'E', s:d)
  " ALE's columns are 1-based and end_col is inclusive
  call s:Check('diagnostic_range', s:d.lnum == s:lnum && s:d.col == s:col
  \ && s:d.end_lnum == s:lnum && s:d.end_col == s:col + len(s:want.span) - 1,
  \ {'got': s:d, 'want_col': s:col})

  " hover: the card in the preview window
  call cursor(s:lnum, s:col + 2)
  ALEHover
  call s:Check('hover', s:Wait('!empty(filter(range(1, winnr("$")), "getwinvar(v:val, \"&previewwindow\")"))', 5000), '')
  let s:pw = filter(range(1, winnr('$')), 'getwinvar(v:val, "&previewwindow")')[0]
  let s:hover = join(getbufline(winbufnr(s:pw), 1, '$'), "\n")
  for s:needle in s:want.hover_contains
    call s:Check('hover_text ' . s:needle, stridx(s:hover, s:needle) >= 0, s:hover)
  endfor
  pclose

  " code actions: the fix comes before "ignore ... on this line"; apply the fix
  let s:titles = v:null
  function! s:Menu(data, items) abort
    let s:titles = map(copy(a:items), 'v:val[1].title')
    let l:fix = filter(copy(a:items), 'stridx(v:val[1].title, s:want.fix_title_contains) >= 0')
    if !empty(l:fix)
      call ale#codefix#ApplyLSPCodeAction(a:data, l:fix[0][1])
    endif
  endfunction
  call ale#codefix#Execute(0, function('s:Menu'))
  call s:Check('fix_applied', s:Wait('getline(s:lnum) is# s:want.fixed_line', 5000), [s:titles, getline(1, '$')])
  let s:fix_i = match(s:titles, '\V' . escape(s:want.fix_title_contains, '\'))
  let s:ignore_i = index(s:titles, s:want.ignore_title)
  call s:Check('code_actions', s:fix_i >= 0 && s:ignore_i > s:fix_i, s:titles)
  " the server re-analyses the changed text: no finding left
  call ale#Queue(0)
  call s:Check('diagnostics_cleared', s:Wait('empty(s:Loclist())', 10000), s:Loclist())
  silent write
  call s:Check('saved', readfile($PYFILE)[s:lnum - 1] is# s:want.fixed_line, readfile($PYFILE))
catch
  let s:code = 1
  call add(s:res, {'error': v:exception, 'where': v:throwpoint})
endtry
call writefile([json_encode(s:res)], $OUT)
execute s:code ? 'cquit 1' : 'qall!'
