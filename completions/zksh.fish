complete --keep-order --exclusive --command zksh --arguments "(ZKSH_COMPLETE=fish zksh -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
