"""The operator console: one web page to watch the loop, command it and stop it (`rt2-ros console`).

`state.py` holds what the page shows, `app.py` serves it (Starlette: the page, a WebSocket of JPEG frames and
state, HTTP endpoints for commands, the e-stop, its release and a sim reset), `page.html` is the page. Both are
rclpy-free; rt2_ros.nodes.console_node is the ROS side that fills the state and carries out the requests.
"""
