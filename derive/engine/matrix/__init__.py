"""Matrix calculus by differentials: expressions, d pushed in, dL = tr(G^T dX), Hessians, tidy."""
