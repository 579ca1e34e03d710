;;; emacs-eglot-test.el --- Emacs 28 + eglot (Debian elpa-eglot) against the real `exportdb lsp`  -*- lexical-binding: t -*-
;;
;; Loads SNIPPET, the eglot snippet extracted verbatim from editors/nvim/README.md, so the README
;; is what is tested. `exportdb' must be on PATH (run-editors.sh links the binary under test).
;; Usage: SNIPPET=... PYFILE=... EXPECT=fixtures/pool.expect.json OUT=... emacs --batch -Q -l emacs-eglot-test.el

;; Under -Q Debian's elpa-* packages are not activated.
(setq package-directory-list (list "/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'json)
(require 'subr-x)

(defvar exportdb-test-results nil)

(defun exportdb-test-wait (pred secs)
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall pred)))

(defun exportdb-test-check (name ok detail)
  (push (list (cons 'name name) (cons 'ok (if ok t :json-false)) (cons 'detail (format "%S" detail)))
        exportdb-test-results)
  (unless ok (error "FAILED: %s %S" name detail)))

(defun exportdb-test-line-text (line)
  "The text of 0-based LINE of the current buffer."
  (save-excursion
    (goto-char (point-min)) (forward-line line)
    (buffer-substring-no-properties (line-beginning-position) (line-end-position))))

(let* ((file (getenv "PYFILE"))
       (want (let ((json-object-type 'alist) (json-array-type 'list)) (json-read-file (getenv "EXPECT"))))
       (line (alist-get 'line want))
       (span (alist-get 'span want))
       (case-name (alist-get 'case want))
       (code 0))
  (condition-case err
      (progn
        (load (getenv "SNIPPET") nil t)
        (find-file file)
        (exportdb-test-check "major-mode" (eq major-mode 'python-mode) major-mode)
        ;; eglot-ensure connects from post-command-hook, after the command that opened the file;
        ;; batch mode has no command loop, so run the hook as it would.
        (run-hooks 'post-command-hook)
        (exportdb-test-check "managed" (exportdb-test-wait (lambda () (bound-and-true-p eglot--managed-mode)) 10)
                             (buffer-name))
        (let ((server (eglot-current-server)))
          (exportdb-test-check "server-command"
                               (equal (process-command (jsonrpc--process server)) '("exportdb" "lsp"))
                               (process-command (jsonrpc--process server)))
          (exportdb-test-check "initialization-options"
                               (equal (eglot-initialization-options server) '(:torchVersion "2.5"))
                               (eglot-initialization-options server)))
        (flymake-start)
        ;; diagnostics: one, the expected case, on the span of the fixture line
        (exportdb-test-check "diagnostics" (exportdb-test-wait (lambda () (flymake-diagnostics)) 10)
                             (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))
        (let* ((diags (flymake-diagnostics))
               (d (car diags))
               (text (exportdb-test-line-text line))
               (start (save-excursion (goto-char (point-min)) (forward-line line)
                                      (+ (point) (string-search span text)))))
          (exportdb-test-check "one-diagnostic" (= (length diags) 1) (mapcar #'flymake-diagnostic-text diags))
          (exportdb-test-check "diagnostic-case" (string-match-p (regexp-quote case-name) (flymake-diagnostic-text d))
                               (flymake-diagnostic-text d))
          (exportdb-test-check "diagnostic-severity" (eq (flymake-diagnostic-type d) 'eglot-error)
                               (flymake-diagnostic-type d))
          (exportdb-test-check "diagnostic-range"
                               (and (= (flymake-diagnostic-beg d) start)
                                    (= (flymake-diagnostic-end d) (+ start (length span))))
                               (list (flymake-diagnostic-beg d) (flymake-diagnostic-end d) start))
          ;; hover on the finding: the case card
          (goto-char (+ start 2))
          (let* ((hover (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                                         (eglot--TextDocumentPositionParams)))
                 (contents (plist-get hover :contents))
                 (value (if (stringp contents) contents (plist-get contents :value))))
            (dolist (needle (alist-get 'hover_contains want))
              (exportdb-test-check (concat "hover " needle)
                                   (and (stringp value) (string-search needle value)) hover))
            (exportdb-test-check "hover-link" (and (stringp value) (string-search (alist-get 'href want) value))
                                 value))
          ;; code actions: the fix comes before "ignore ... on this line"; apply the fix
          (let* ((actions (eglot-code-actions start (+ start (length span))))
                 (titles (mapcar (lambda (a) (plist-get a :title)) actions))
                 (fix (seq-find (lambda (a) (string-search (alist-get 'fix_title_contains want)
                                                           (plist-get a :title)))
                                actions))
                 (ignore-pos (seq-position titles (alist-get 'ignore_title want))))
            (exportdb-test-check "code-actions"
                                 (and fix ignore-pos (< (seq-position actions fix) ignore-pos)) titles)
            (eglot--apply-workspace-edit (plist-get fix :edit)))
          (exportdb-test-check "fix-applied" (equal (exportdb-test-line-text line) (alist-get 'fixed_line want))
                               (buffer-string))
          ;; eglot sends didChange from an idle timer, which batch mode never runs: send it now.
          ;; The server re-analyses the changed text: no finding left.
          (eglot--signal-textDocument/didChange)
          (exportdb-test-check "diagnostics-cleared"
                               (exportdb-test-wait (lambda () (flymake-start) (null (flymake-diagnostics))) 10)
                               (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))
          (save-buffer)
          (exportdb-test-check "saved"
                               (with-temp-buffer (insert-file-contents file)
                                                 (equal (exportdb-test-line-text line) (alist-get 'fixed_line want)))
                               nil))
        (eglot-shutdown (eglot--current-server-or-lose)))
    (error (setq code 1) (push (list (cons 'error (format "%S" err))) exportdb-test-results)))
  (with-temp-file (getenv "OUT") (insert (json-encode (reverse exportdb-test-results))))
  (kill-emacs code))
