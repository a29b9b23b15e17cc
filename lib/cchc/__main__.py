try:
    from cchc.cli import run
except KeyboardInterrupt:  # Ctrl-C while the command starts (pandas loads): nothing was done
    raise SystemExit(130) from None

run()
