# pytester runs a test session inside a test: how the plugin's own options are tested.
pytest_plugins = ["pytester"]
