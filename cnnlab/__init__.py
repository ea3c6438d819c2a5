"""CNN Lab core: convolution, pooling, models, data, training and inspection.

Importing ``cnnlab`` is cheap: it imports neither Streamlit nor TensorFlow. Submodules
that need Keras import it inside their functions.

>>> import cnnlab.ops
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
