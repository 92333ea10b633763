"""Operations of a running instance: backup and restore."""
