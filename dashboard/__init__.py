"""CNN Lab's Streamlit UI. Pages are thin: read widgets, call cnnlab, draw."""
